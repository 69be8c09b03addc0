// Reductions: values over dims and over everything, keepdim, ties/NaN, gradients.
#include <cmath>

#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::gradcheck;
using testing::throws_with;

TEST(Reduce, SumMeanOverDims) {
    Tensor x = arange(24, DType::F32).reshape({2, 3, 4});
    EXPECT_EQ(sum(x).item<float>(), 276.0f);
    EXPECT_EQ(sum(x, {0}).to_vector<float>()[0], 12.0f);
    EXPECT_EQ(sum(x, {1}).shape(), (Shape{2, 4}));
    EXPECT_EQ(sum(x, {1}).to_vector<float>(), (std::vector<float>{12, 15, 18, 21, 48, 51, 54, 57}));
    EXPECT_EQ(sum(x, {-1}, true).shape(), (Shape{2, 3, 1}));
    EXPECT_EQ(sum(x, {-1}).to_vector<float>(), (std::vector<float>{6, 22, 38, 54, 70, 86}));
    // Non-adjacent dims go through a permuted copy.
    EXPECT_EQ(sum(x, {0, 2}).to_vector<float>(), (std::vector<float>{60, 92, 124}));
    EXPECT_EQ(mean(x, {0, 2}, true).shape(), (Shape{1, 3, 1}));
    EXPECT_EQ(mean(x, {0, 2}).to_vector<float>(), (std::vector<float>{7.5f, 11.5f, 15.5f}));
    EXPECT_EQ(sum(x.permute({2, 0, 1}), {0}).to_vector<float>(), sum(x, {2}).to_vector<float>());
}

TEST(Reduce, IntegerSumsIntoInt64) {
    Tensor s = sum(Tensor::from_vector<uint8_t>({1, 1, 0, 1}, {4}));
    EXPECT_EQ(s.dtype(), DType::I64);
    EXPECT_EQ(s.item<int64_t>(), 3);
    EXPECT_EQ(sum(Tensor::ones({300}, DType::U8)).item<int64_t>(), 300);  // a u8 sum would wrap
}

TEST(Reduce, LargeSumIsAccurate) {
    // 2^20 values of 0.1: a naive float loop drifts by ~1e-3 relative.
    const int64_t n = 1 << 20;
    EXPECT_NEAR(sum(Tensor::full({n}, 0.1)).item<float>(), 0.1 * n, 1e-6 * 0.1 * n);
}

TEST(Reduce, MaxArgmaxTiesAndNaN) {
    Tensor x = Tensor::from_vector<float>({1, 3, 3, 2, 5, 5}, {2, 3});
    EXPECT_EQ(amax(x, {1}).to_vector<float>(), (std::vector<float>{3, 5}));
    EXPECT_EQ(argmax(x, 1).to_vector<int64_t>(), (std::vector<int64_t>{1, 1}));
    EXPECT_EQ(argmax(x).item<int64_t>(), 4);
    EXPECT_EQ(argmin(x, 0, true).to_vector<int64_t>(), (std::vector<int64_t>{0, 0, 0}));
    EXPECT_EQ(argmax(x, 0).to_vector<int64_t>(), (std::vector<int64_t>{1, 1, 1}));
    EXPECT_EQ(argmin(x, 0, true).shape(), (Shape{1, 3}));
    EXPECT_EQ(amin(x).item<float>(), 1.0f);
    Tensor n = Tensor::from_vector<float>({1, NAN, 7}, {3});
    EXPECT_TRUE(std::isnan(amax(n).item<float>()));
    EXPECT_EQ(argmax(n).item<int64_t>(), 1);
    Tensor i = Tensor::from_vector<int32_t>({-5, 9, 9}, {3});
    EXPECT_EQ(amax(i).item<int32_t>(), 9);
    EXPECT_EQ(argmax(i).item<int64_t>(), 1);
}

TEST(Reduce, Gradients) {
    Tensor x = testing::random_tensor({3, 4, 5}, 17, -1, 1, DType::F64).set_requires_grad(true);
    const std::vector<std::vector<int64_t>> dim_sets = {{}, {0}, {1}, {2}, {0, 2}, {1, 2}};
    for (const auto& dims : dim_sets)
        for (bool keep : {false, true}) {
            EXPECT_TRUE(gradcheck(
                [&](const std::vector<Tensor>& in) { return sum(in[0], dims, keep); }, {x}));
            EXPECT_TRUE(gradcheck(
                [&](const std::vector<Tensor>& in) { return mean(in[0], dims, keep); }, {x}));
            EXPECT_TRUE(gradcheck(
                [&](const std::vector<Tensor>& in) { return amax(in[0], dims, keep); }, {x}));
            EXPECT_TRUE(gradcheck(
                [&](const std::vector<Tensor>& in) { return amin(in[0], dims, keep); }, {x}));
        }
}

TEST(Reduce, AmaxTiesShareTheGradient) {
    Tensor x = Tensor::from_vector<float>({2, 2, 1}, {3}).set_requires_grad(true);
    amax(x).backward();
    EXPECT_EQ(x.grad().to_vector<float>(), (std::vector<float>{0.5f, 0.5f, 0.0f}));
}

TEST(Reduce, SumTo) {
    Tensor x = arange(24, DType::F32).reshape({2, 3, 4});
    EXPECT_EQ(sum_to(x, {4}).to_vector<float>(), sum(x, {0, 1}).to_vector<float>());
    EXPECT_EQ(sum_to(x, {3, 1}).shape(), (Shape{3, 1}));
    EXPECT_EQ(sum_to(x, {3, 1}).to_vector<float>(), (std::vector<float>{60, 92, 124}));
    EXPECT_EQ(sum_to(x, {}).item<float>(), 276.0f);
    EXPECT_TRUE(sum_to(x, x.shape()).is_same(x));
    EXPECT_TRUE(throws_with([&] { sum_to(x, {5}); }, {"sum_to"}));
}

TEST(Reduce, BadInput) {
    Tensor x = Tensor::zeros({2, 3});
    EXPECT_TRUE(throws_with([&] { sum(x, {2}); }, {"sum", "dim 2 out of range", "2 dims"}));
    EXPECT_TRUE(throws_with([&] { sum(x, {1, -1}); }, {"sum", "given twice"}));
    EXPECT_TRUE(throws_with(
        [&] {
            amax(Tensor::zeros({0, 3}), {0});
        },
        {"amax", "empty dimension"}));
    EXPECT_TRUE(throws_with([&] { argmax(Tensor::zeros({0})); }, {"argmax", "empty"}));
    EXPECT_TRUE(throws_with([&] { mean(Tensor::zeros({3}, DType::I32)); }, {"mean", "floating"}));
    EXPECT_EQ(sum(Tensor::zeros({0, 3}), {0}).to_vector<float>(), (std::vector<float>{0, 0, 0}));
}

}  // namespace
}  // namespace mdq
