// End to end on the CPU: LeNet-5 from the zoo, trained with a few lines of Adam over the
// parameter arena, fits 256 Fashion-MNIST training images (the Debian package's files when
// installed, else a synthetic set of 10 learnable patterns) to 100% accuracy, measured in eval
// mode with the running batch-norm statistics.
#include <zlib.h>

#include <cmath>
#include <string>

#include "kernels/loss/loss.h"
#include "layers/param_arena.h"
#include "models/registry.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

constexpr int64_t kImages = 256;
const char* kFashionDir = "/usr/share/datasets/fashion-mnist";

// Reads `count` bytes after a header of `skip` bytes from a gzip file; empty when unreadable.
std::vector<uint8_t> read_gz(const std::string& path, int skip, int64_t count) {
    std::vector<uint8_t> out(static_cast<size_t>(skip + count));
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) return {};
    const int got = gzread(f, out.data(), static_cast<unsigned>(out.size()));
    gzclose(f);
    if (got != static_cast<int>(out.size())) return {};
    return {out.begin() + skip, out.end()};
}

struct Batch {
    Tensor x, y;  // [N, 28, 28, 1] f32 normalised, [N] i64
};

Batch fashion_mnist() {
    const std::string dir = kFashionDir;
    const auto pixels = read_gz(dir + "/train-images-idx3-ubyte.gz", 16, kImages * 784);
    const auto labels = read_gz(dir + "/train-labels-idx1-ubyte.gz", 8, kImages);
    if (pixels.empty() || labels.empty()) return {};
    std::vector<float> x(pixels.size());
    for (size_t i = 0; i < x.size(); ++i)
        x[i] = (pixels[i] / 255.0f - 0.2860f) / 0.3530f;
    return {Tensor::from_vector(x, {kImages, 28, 28, 1}),
            Tensor::from_vector(std::vector<int64_t>(labels.begin(), labels.end()), {kImages})};
}

// Class k is a bright bar at row 2k + 4 plus uniform noise: learnable, not trivially so.
Batch synthetic() {
    Tensor x = testing::random_tensor({kImages, 28, 28, 1}, 99, -1, 1);
    std::vector<float> xv = x.to_vector<float>();
    std::vector<int64_t> y(kImages);
    for (int64_t n = 0; n < kImages; ++n) {
        y[n] = n % 10;
        for (int64_t col = 0; col < 28; ++col)
            xv[(n * 28 + 2 * y[n] + 4) * 28 + col] += 2.0f;
    }
    return {Tensor::from_vector(xv, {kImages, 28, 28, 1}), Tensor::from_vector(y, {kImages})};
}

TEST(Overfit, LeNet5Fits256ImagesOnTheCpu) {
    Batch data = fashion_mnist();
    if (!data.x.defined()) data = synthetic();
    ModelOptions o;
    o.seed = 1;
    ModulePtr model = build_model("lenet5", o);
    ParamArena arena(*model);
    Tensor m = Tensor::zeros({arena.size()}), v = Tensor::zeros({arena.size()});
    const double lr = 3e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const int64_t batch = 32;
    int64_t step = 0, correct = 0;
    for (int epoch = 0; epoch < 60 && correct < kImages; ++epoch) {
        model->train();
        for (int64_t i = 0; i < kImages; i += batch) {
            arena.zero_grad();
            Tensor loss = cross_entropy((*model)(data.x.slice(0, i, i + batch)),
                                        data.y.slice(0, i, i + batch));
            loss.backward();
            NoGradGuard no_grad;
            ++step;
            const Tensor g = arena.grads();
            m = m * b1 + g * (1 - b1);
            v = v * b2 + g * g * (1 - b2);
            const double c1 = 1 - std::pow(b1, step), c2 = 1 - std::pow(b2, step);
            arena.values().copy_(arena.values() - (m / c1) / (sqrt(v / c2) + eps) * lr);
        }
        NoGradGuard no_grad;
        model->eval();
        correct = accuracy_count((*model)(data.x), data.y).item<int64_t>();
    }
    EXPECT_EQ(correct, kImages) << "after " << step << " steps";
}

}  // namespace
}  // namespace mdq
