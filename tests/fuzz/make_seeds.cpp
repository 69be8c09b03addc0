// Writes the seed corpus of every fuzz target into OUT/<target>/, made by the data tests' own
// generators (tests/testing/data_files.h) and mdq's writers: valid files of each format, so
// the fuzzer starts deep inside the parsers. No downloads.
//   mdq_fuzz_seeds OUT
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "data/safetensors.h"
#include "optim/train/checkpoint.h"
#include "optim/train/model_export.h"
#include "tests/fuzz/fuzz_model.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/testing/data_files.h"

namespace fs = std::filesystem;
namespace t = mdq::testing;
using mdq::fuzz::join_parts;

namespace {

std::string text_of(const std::vector<uint8_t>& v) {
    return std::string(v.begin(), v.end());
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void seed(const std::string& out, const std::string& target, const std::string& name,
          const std::string& bytes) {
    fs::create_directories(out + "/" + target);
    std::ofstream f(out + "/" + target + "/" + name, std::ios::binary);
    f << bytes;
}

std::string gzip_of(const std::vector<uint8_t>& bytes, const t::TempDir& tmp) {
    t::write_gzip(tmp / "g.gz", bytes);
    return read_text(tmp / "g.gz");
}

void idx_seeds(const std::string& out, const t::TempDir& tmp) {
    std::vector<uint8_t> pixels(3 * 4 * 5);
    for (size_t i = 0; i < pixels.size(); ++i)
        pixels[i] = static_cast<uint8_t>(i * 13);
    const auto images = t::idx_bytes({3, 4, 5}, pixels), labels = t::idx_bytes({3}, {0, 9, 4});
    seed(out, "idx", "plain", join_parts({text_of(images), text_of(labels)}));
    seed(out, "idx", "gzip", join_parts({gzip_of(images, tmp), gzip_of(labels, tmp)}));
}

void cifar_seeds(const std::string& out) {
    std::vector<uint8_t> c10{0}, c100{1};
    t::append_cifar_record(c10, t::pattern_image(32, 32, 3, 1), 7);
    t::append_cifar_record(c10, t::pattern_image(32, 32, 3, 2), 2);
    t::append_cifar_record(c100, t::pattern_image(32, 32, 3, 3), 42, 5);
    seed(out, "cifar", "cifar10", text_of(c10));
    seed(out, "cifar", "cifar100", text_of(c100));
}

void safetensors_seeds(const std::string& out, const t::TempDir& tmp) {
    mdq::save_safetensors(tmp / "a.safetensors",
                          {{"w", mdq::Tensor::from_vector(std::vector<float>{1, -2, 3, 4}, {2, 2})},
                           {"i", mdq::Tensor::from_vector(std::vector<int64_t>{5, 6}, {2})},
                           {"e", mdq::Tensor::empty({0, 3})}},
                          {{"format", "test"}});
    seed(out, "safetensors", "small", read_text(tmp / "a.safetensors"));
}

void model_seeds(const std::string& out, const t::TempDir& tmp) {
    mdq::fuzz::SmallModel& m = mdq::fuzz::small_model();
    mdq::Experiment& ex = mdq::fuzz::lenet_experiment();
    mdq::TrainPosition pos;
    pos.step = 3;
    mdq::save_checkpoint(tmp / "ck.safetensors", *m.model, *m.opt, pos, ex.cfg.effective(),
                         ex.model_options_json());
    seed(out, "checkpoint", "small", read_text(tmp / "ck.safetensors"));
    seed(out, "safetensors", "checkpoint", read_text(tmp / "ck.safetensors"));
    mdq::write_export(tmp / "export", ex);
    seed(out, "export", "lenet5",
         join_parts(
             {read_text(tmp / "export/model.json"), read_text(tmp / "export/model.safetensors")}));
}

void jpeg_seeds(const std::string& out) {
    seed(out, "jpeg", "rgb", text_of(t::jpeg_bytes(t::pattern_image(8, 8, 3, 4), 90)));
    seed(out, "jpeg", "gray", text_of(t::jpeg_bytes(t::pattern_image(9, 7, 1, 5), 75)));
    seed(out, "jpeg", "cmyk", text_of(t::jpeg_bytes(t::pattern_image(8, 8, 4, 6), 50)));
}

void folder_seeds(const std::string& out) {
    const std::string jpeg = text_of(t::jpeg_bytes(t::folder_image(1, 0, 64, 64), 50));
    seed(out, "image_folder", "tiny",
         join_parts({"n02\nn01\n", "val_0.JPEG\tn01\t0\t0\t63\t63\nval_1.JPEG\tn02\t1\t2\t3\t4\n",
                     "train/n01/images/n01_0.JPEG\ntrain/n02/images/n02_0.JPEG\n"
                     "val/images/val_0.JPEG\nval/images/val_1.JPEG\n",
                     jpeg}));
    seed(out, "image_folder", "imagenet",
         join_parts({"", "", "train/n01/a.JPEG\ntrain/n02/b.jpg\nval/n01/c.JPEG\nval/n02/d.jpeg\n",
                     jpeg}));
}

void text_seeds(const std::string& out, const std::string& source) {
    int n = 0;
    for (const auto& e : fs::directory_iterator(source + "/configs"))
        if (e.path().extension() == ".json")
            seed(out, "config", "recipe" + std::to_string(n++),
                 join_parts({read_text(e.path().string()), "lr=0.01\nexempt=conv1.*,fc3.*\n"}));
    seed(out, "config", "sets",
         join_parts({"{\"model\": \"lenet5\", \"layer_levels\": {\"fc.*\": 3}}",
                     "lr_schedule=multistep\nlr_milestones=10,20\nepochs=2\nlevels=4\n"
                     "train_transforms=random_crop:28:2,hflip\nmethod=proxquant\n"}));
    seed(out, "transform_spec", "cifar", "random_crop:32:4\nhflip\n");
    seed(out, "transform_spec", "imagenet",
         "random_resized_crop:8:0.25:1\nhflip:0.3\nresize:9\ncenter_crop:7\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: mdq_fuzz_seeds OUT\n");
        return 2;
    }
    const std::string out = argv[1];
    t::TempDir tmp("fuzz_seeds");
    idx_seeds(out, tmp);
    cifar_seeds(out);
    safetensors_seeds(out, tmp);
    model_seeds(out, tmp);
    jpeg_seeds(out);
    folder_seeds(out);
    text_seeds(out, MDQ_SOURCE_DIR);
    std::printf("fuzz seeds written to %s\n", out.c_str());
    return 0;
}
