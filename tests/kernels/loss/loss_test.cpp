// cross_entropy and accuracy_count: closed-form values, stability, reductions, f64 gradient
// checks, half precision, bad labels; the GPU gradient body at the CUDA launch shape and an odd
// one. On a GPU: loss_cuda_test.cpp.
#include <cmath>

#include "kernels/loss/cross_entropy_impl.h"
#include "tests/kernels/loss/loss_test.h"
#include "tests/testing/grid_emulation.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using loss_test::labels_of;
using testing::all_close;
using testing::gradcheck;
using testing::throws_with;

TEST(CrossEntropy, ClosedForm) {
    const Tensor x = Tensor::from_vector<double>({1, 2, 3, 1, 1, 1}, {2, 3});
    const Tensor y = labels_of({2, 0});
    const double l0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 3,
                 l1 = std::log(3.0);
    EXPECT_TRUE(all_close(cross_entropy(x, y, Reduction::None),
                          Tensor::from_vector<double>({l0, l1}, {2}), 1e-15, 1e-15));
    EXPECT_NEAR(cross_entropy(x, y, Reduction::Sum).item<double>(), l0 + l1, 1e-15);
    const Tensor mean = cross_entropy(x, y);
    EXPECT_EQ(mean.shape(), Shape{});
    EXPECT_NEAR(mean.item<double>(), (l0 + l1) / 2, 1e-15);
    EXPECT_NEAR(cross_entropy(x.to(DType::F32), y).item<float>(), (l0 + l1) / 2, 1e-6);
}

TEST(CrossEntropy, StableForLargeLogits) {
    const Tensor x = Tensor::from_vector<float>({1e4f, 0, -1e4f, 1e4f, 88, 89}, {3, 2});
    const std::vector<float> l =
        cross_entropy(x, labels_of({1, 0, 1}), Reduction::None).to_vector<float>();
    EXPECT_EQ(l[0], 1e4f);
    EXPECT_EQ(l[1], 2e4f);
    // exp(89) overflows a naive f32 sum; the result is as exact as f32 near 89 allows.
    EXPECT_NEAR(l[2], std::log1p(std::exp(-1.0)), 1e-5);
}

TEST(CrossEntropy, EqualsNegatedLogSoftmaxAtTheLabel) {
    const Tensor x = testing::random_tensor({9, 7}, 2, -5, 5, DType::F64);
    const std::vector<int64_t> y = {0, 6, 3, 3, 1, 2, 5, 4, 6};
    const std::vector<double> ls = log_softmax(x, 1).to_vector<double>();
    std::vector<double> want;
    for (size_t n = 0; n < y.size(); ++n)
        want.push_back(-ls[n * 7 + y[n]]);
    EXPECT_TRUE(all_close(cross_entropy(x, labels_of(y), Reduction::None),
                          Tensor::from_vector(want, {9}), 1e-14, 1e-14));
}

TEST(CrossEntropy, Gradients) {
    const Tensor x = testing::random_tensor({5, 4}, 3, -3, 3, DType::F64).set_requires_grad(true);
    const Tensor y = labels_of({3, 0, 1, 1, 2});
    for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
        EXPECT_TRUE(gradcheck(
            [&](const std::vector<Tensor>& in) { return cross_entropy(in[0], y, r); }, {x}))
            << static_cast<int>(r);
    // A strided logits view.
    EXPECT_TRUE(gradcheck(
        [&](const std::vector<Tensor>& in) {
            return cross_entropy(in[0].permute({1, 0}), labels_of({1, 3, 0, 2}));
        },
        {x}));
}

TEST(CrossEntropy, MeanGradientIsSoftmaxMinusOnehotOverN) {
    Tensor x = testing::random_tensor({4, 3}, 5, -2, 2, DType::F64).set_requires_grad(true);
    cross_entropy(x, labels_of({2, 0, 1, 2})).backward();
    std::vector<double> want = softmax(x.detach(), 1).to_vector<double>();
    const int64_t y[] = {2, 0, 1, 2};
    for (int64_t n = 0; n < 4; ++n) {
        want[n * 3 + y[n]] -= 1;
        for (int64_t c = 0; c < 3; ++c)
            want[n * 3 + c] /= 4;
    }
    EXPECT_TRUE(all_close(x.grad(), Tensor::from_vector(want, {4, 3}), 1e-15, 1e-16));
}

TEST(CrossEntropy, GradientAccumulates) {
    Tensor x = testing::random_tensor({3, 4}, 6, -1, 1, DType::F64).set_requires_grad(true);
    const Tensor y = labels_of({1, 3, 0});
    cross_entropy(x, y, Reduction::Sum).backward();
    const Tensor once = x.grad().clone();
    x.set_grad(Tensor::full({3, 4}, 9.0, DType::F64));
    cross_entropy(x, y, Reduction::Sum).backward();
    EXPECT_TRUE(all_close(x.grad(), once + 9.0, 1e-15, 1e-15));
}

TEST(CrossEntropy, HalfPrecisionComputesInFloat) {
    const Tensor xb = testing::random_tensor({6, 11}, 7, -4, 4).to(DType::BF16);
    const Tensor y = labels_of({0, 10, 5, 5, 2, 7});
    const Tensor lb = cross_entropy(xb, y, Reduction::None);
    EXPECT_EQ(lb.dtype(), DType::BF16);
    EXPECT_TRUE(all_close(lb, cross_entropy(xb.to(DType::F32), y, Reduction::None), 8e-3, 1e-5));
}

TEST(CrossEntropy, BadLabelsThrowWithTheLabelAndIndex) {
    const Tensor x = Tensor::zeros({3, 4});
    EXPECT_TRUE(throws_with(
        [&] {
            cross_entropy(x, labels_of({0, 4, 1}));
        },
        {"cross_entropy", "label 4 at index 1", "[0, 4)", "f32[3, 4]"}));
    EXPECT_TRUE(throws_with(
        [&] {
            cross_entropy(x, labels_of({0, 1, -1}), Reduction::None);
        },
        {"label -1 at index 2"}));
}

TEST(CrossEntropy, BadInput) {
    const Tensor y = labels_of({0, 1});
    EXPECT_TRUE(throws_with([&] { cross_entropy(Tensor::zeros({2}), y); },
                            {"cross_entropy", "logits must be floating [N, C]", "f32[2]"}));
    EXPECT_TRUE(throws_with(
        [&] {
            cross_entropy(Tensor::zeros({2, 3}, DType::I64), y);
        },
        {"logits must be floating", "i64[2, 3]"}));
    EXPECT_TRUE(throws_with(
        [&] {
            cross_entropy(Tensor::zeros({2, 3}), y.to(DType::I32));
        },
        {"labels must be i64 [N]", "i32[2]"}));
    EXPECT_TRUE(throws_with(
        [&] {
            cross_entropy(Tensor::zeros({3, 3}), y);
        },
        {"2 labels for logits f32[3, 3]"}));
    EXPECT_TRUE(throws_with(
        [&] {
            cross_entropy(Tensor::zeros({2, 0}), y);
        },
        {"cross_entropy", "f32[2, 0]", "have no classes"}));
    EXPECT_TRUE(throws_with(
        [&] {
            cross_entropy(Tensor::zeros({0, 3}), labels_of({}));
        },
        {"mean over an empty batch", "f32[0, 3]"}));
    EXPECT_EQ(cross_entropy(Tensor::zeros({0, 3}), labels_of({}), Reduction::Sum).item<float>(),
              0.0f);
    EXPECT_TRUE(throws_with(
        [&] {
            cross_entropy_forward_into(Tensor::zeros({2, 3}), y, Tensor::zeros({2}, DType::F64),
                                       Tensor::zeros({2}));
        },
        {"cross_entropy", "loss must be contiguous f32 with 2 elements", "f64[2]"}));
    EXPECT_TRUE(throws_with(
        [&] {
            cross_entropy_backward_into(Tensor::zeros({2, 3}), y, Tensor::zeros({2}),
                                        Tensor::zeros({3}), 1.0, Tensor::zeros({2, 3}));
        },
        {"upstream gradient", "1 or 2 elements", "f32[3]"}));
}

TEST(GridEmulation, CrossEntropyGradMatchesCpu) {
    // Rows shorter and longer than the 3 x 37 grid; one upstream value (a mean) or one per row.
    // Plain names, not a structured binding: C++17 lambdas cannot capture bindings.
    for (const auto& shape : {std::pair<int64_t, int64_t>{1, 1}, {3, 10}, {33, 37}, {5, 1000}}) {
        const int64_t n = shape.first, c = shape.second;
        for (DType dt : {DType::F32, DType::F64}) {
            const Tensor logits = testing::random_tensor({n, c}, 51, -3.0, 3.0, dt);
            std::vector<int64_t> lv(static_cast<size_t>(n));
            for (int64_t r = 0; r < n; ++r)
                lv[static_cast<size_t>(r)] = (7 * r + 3) % c;
            const Tensor labels = labels_of(lv);
            const Tensor lse = testing::random_tensor({n}, 52, 0.0, 4.0, dt);
            for (int64_t gn : {int64_t{1}, n}) {
                const Tensor g = testing::random_tensor({gn}, 53, -1.0, 1.0, dt);
                testing::expect_grid_shapes_match_cpu(
                    [&](auto runner) {
                        Tensor dx = Tensor::full({n, c}, NAN, dt);
                        launch_cross_entropy_backward<decltype(runner)>(logits, labels, lse, g,
                                                                        0.25, dx);
                        return std::vector<Tensor>{dx};
                    },
                    std::to_string(n) + " x " + std::to_string(c) + " " + dtype_name(dt) + ", " +
                        std::to_string(gn) + " upstream values");
            }
        }
    }
}

TEST(Accuracy, CountsFirstMaximumAtTheLabel) {
    const Tensor x = Tensor::from_vector<float>({0.1f, 0.9f, 0.8f, 0.2f, 0.5f, 0.5f}, {3, 2});
    const Tensor c = accuracy_count(x, labels_of({1, 1, 0}));  // right, wrong, tie -> first
    EXPECT_EQ(c.dtype(), DType::I64);
    EXPECT_EQ(c.shape(), Shape{});
    EXPECT_EQ(c.item<int64_t>(), 2);
    EXPECT_EQ(accuracy_count(x, labels_of({0, 1, 1})).item<int64_t>(), 0);
    EXPECT_TRUE(throws_with(
        [&] {
            accuracy_count(x, labels_of({0, 1}));
        },
        {"accuracy_count", "2 labels for logits f32[3, 2]"}));
}

}  // namespace
}  // namespace mdq
