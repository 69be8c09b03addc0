// Fuzz target: TinyImageNet and ImageNet folder indexing. The input is
// wnids.txt|val_annotations.txt|relative file paths (one per line)|the bytes every listed file
// gets; the tree is built afresh under the scratch folder, then indexed as both layouts and
// every indexed example read.
#include <filesystem>
#include <sstream>

#include "data/imagenet_folders.h"
#include "tests/fuzz/fuzz_util.h"

namespace fs = std::filesystem;

namespace {

// Paths stay inside the tree: plain names of [A-Za-z0-9._-], no "." or ".." component.
bool safe_relative(const std::string& path) {
    if (path.empty() || path.size() > 200) return false;
    std::istringstream parts(path);
    for (std::string c; std::getline(parts, c, '/');) {
        if (c.empty() || c == "." || c == "..") return false;
        for (char ch : c)
            if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '_' &&
                ch != '-')
                return false;
    }
    return true;
}

void read_all(const mdq::data::ImageFolderDataset& ds) {
    mdq::data::Image image;
    for (int64_t i = 0; i < ds.size() && i < 16; ++i)
        ds.read(i, image);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto parts = mdq::fuzz::split_input(data, size, 4);
    const std::string root = mdq::fuzz::scratch_dir() + "/tree";
    std::error_code ec;
    fs::remove_all(root, ec);
    fs::create_directories(root + "/val", ec);
    mdq::fuzz::write_scratch("tree/wnids.txt", parts[0]);
    mdq::fuzz::write_scratch("tree/val/val_annotations.txt", parts[1]);
    std::istringstream files(parts[2]);
    int created = 0;
    for (std::string f; std::getline(files, f) && created < 32;) {
        if (!safe_relative(f)) continue;
        fs::create_directories(fs::path(root + "/" + f).parent_path(), ec);
        if (fs::is_directory(fs::path(root + "/" + f).parent_path()) && !fs::exists(root + "/" + f))
            mdq::fuzz::write_scratch("tree/" + f, parts[3]);
        ++created;
    }
    mdq::data::ImageFolderOptions o;
    mdq::fuzz::run_case([&] { read_all(*mdq::data::tinyimagenet_train(root, o)); });
    mdq::fuzz::run_case([&] { read_all(*mdq::data::tinyimagenet_val(root, o)); });
    mdq::fuzz::run_case([&] { read_all(*mdq::data::imagenet_split(root, "train", o)); });
    mdq::fuzz::run_case([&] { read_all(*mdq::data::imagenet_split(root, "val", o)); });
    return 0;
}
