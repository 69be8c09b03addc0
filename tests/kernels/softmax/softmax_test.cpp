// softmax / log_softmax: closed-form values, stability, every dim, f64 gradient checks,
// bad input. On a GPU: softmax_cuda_test.cpp.
#include <cmath>

#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::gradcheck;
using testing::throws_with;

// Straightforward f64 reference along dim, written independently of the row-pass code.
Tensor reference(const Tensor& x, int64_t dim, bool log) {
    const std::vector<double> v = x.to_vector<double>();
    const int64_t d = dim < 0 ? dim + x.dim() : dim;
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < d; ++i)
        outer *= x.size(i);
    for (int64_t i = d + 1; i < x.dim(); ++i)
        inner *= x.size(i);
    const int64_t r = x.size(d);
    std::vector<double> out(v.size());
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
            auto at = [&](int64_t k) { return static_cast<size_t>((o * r + k) * inner + i); };
            double m = -INFINITY, s = 0;
            for (int64_t k = 0; k < r; ++k)
                m = std::max(m, v[at(k)]);
            for (int64_t k = 0; k < r; ++k)
                s += std::exp(v[at(k)] - m);
            for (int64_t k = 0; k < r; ++k)
                out[at(k)] = log ? v[at(k)] - m - std::log(s) : std::exp(v[at(k)] - m) / s;
        }
    return Tensor::from_vector(out, x.shape());
}

TEST(Softmax, ClosedForm) {
    // exp of the inputs is 1, 2, 3: softmax is 1/6, 2/6, 3/6.
    Tensor x = Tensor::from_vector<double>({0, std::log(2.0), std::log(3.0)}, {1, 3});
    EXPECT_TRUE(all_close(
        softmax(x, 1), Tensor::from_vector<double>({1.0 / 6, 1.0 / 3, 0.5}, {1, 3}), 1e-15, 1e-15));
    EXPECT_TRUE(all_close(
        log_softmax(x, -1),
        Tensor::from_vector<double>({-std::log(6.0), std::log(1.0 / 3), std::log(0.5)}, {1, 3}),
        1e-15, 1e-15));
    // One element per row: softmax is 1, log_softmax 0; also for a 0-d tensor.
    EXPECT_EQ(softmax(Tensor::full({4, 1}, 7.0), 1).to_vector<float>(),
              std::vector<float>(4, 1.0f));
    EXPECT_EQ(log_softmax(Tensor::scalar(3.0), 0).item<float>(), 0.0f);
}

TEST(Softmax, StableForLargeAndInfiniteLogits) {
    Tensor x = Tensor::from_vector<float>({1000, 1001, -INFINITY, 0, 0}, {5});
    const double e = std::exp(1.0);
    const std::vector<float> big = softmax(x.slice(0, 0, 2), 0).to_vector<float>();
    EXPECT_NEAR(big[0], 1 / (1 + e), 1e-7);
    EXPECT_NEAR(big[1], e / (1 + e), 1e-7);
    // x - lse near 1000 is exact to f32's spacing there (6e-5), not to 1e-7.
    EXPECT_NEAR(log_softmax(x.slice(0, 0, 2), 0).to_vector<float>()[0], -std::log1p(e), 1.2e-4);
    EXPECT_EQ(softmax(x.slice(0, 2, 5), 0).to_vector<float>(), (std::vector<float>{0, 0.5f, 0.5f}));
    const std::vector<float> ls = log_softmax(x.slice(0, 2, 5), 0).to_vector<float>();
    EXPECT_EQ(ls[0], -INFINITY);
    EXPECT_FLOAT_EQ(ls[1], -std::log(2.0f));
}

TEST(Softmax, EveryDimMatchesReference) {
    Tensor x = testing::random_tensor({3, 4, 5}, 8, -4, 4, DType::F64);
    for (int64_t d : {0, 1, 2, -1, -3})
        for (bool log : {false, true}) {
            const Tensor y = log ? log_softmax(x, d) : softmax(x, d);
            EXPECT_TRUE(all_close(y, reference(x, d, log), 1e-14, 1e-15)) << d << log;
            const Tensor xf = x.to(DType::F32);
            const Tensor yf = log ? log_softmax(xf, d) : softmax(xf, d);
            EXPECT_TRUE(all_close(yf, reference(x, d, log), 1e-5, 1e-6)) << d << log;
        }
    // Rows sum to one, and a strided input gives the result of its contiguous copy.
    EXPECT_TRUE(all_close(sum(softmax(x, 1), {1}), Tensor::ones({3, 5}, DType::F64), 1e-15, 1e-15));
    const Tensor t = x.permute({2, 0, 1});
    EXPECT_TRUE(testing::all_equal(softmax(t, 0), softmax(t.contiguous(), 0)));
}

TEST(Softmax, HalfPrecisionComputesInFloat) {
    const Tensor x = testing::random_tensor({6, 33}, 4, -5, 5).to(DType::BF16);
    const Tensor ref = reference(x, 1, false), lref = reference(x, 1, true);
    EXPECT_EQ(softmax(x, 1).dtype(), DType::BF16);
    EXPECT_TRUE(all_close(softmax(x, 1), ref, 8e-3, 1e-5));
    EXPECT_TRUE(all_close(log_softmax(x, 1), lref, 8e-3, 1e-5));
    EXPECT_TRUE(all_close(softmax(x.to(DType::F16), 1), ref, 1e-3, 1e-5));
}

TEST(Softmax, Gradients) {
    Tensor x = testing::random_tensor({3, 4, 5}, 9, -2, 2, DType::F64).set_requires_grad(true);
    for (int64_t d : {0, 1, 2}) {
        EXPECT_TRUE(
            gradcheck([&](const std::vector<Tensor>& in) { return softmax(in[0], d); }, {x}))
            << d;
        EXPECT_TRUE(
            gradcheck([&](const std::vector<Tensor>& in) { return log_softmax(in[0], d); }, {x}))
            << d;
    }
    // A strided input and an expanded upstream gradient.
    EXPECT_TRUE(gradcheck(
        [&](const std::vector<Tensor>& in) {
            return sum(softmax(in[0].permute({1, 0, 2}), 2), {1});
        },
        {x}));
}

TEST(Softmax, GradientAccumulates) {
    Tensor x = testing::random_tensor({2, 3}, 10, -1, 1, DType::F64).set_requires_grad(true);
    const Tensor w = testing::random_tensor({2, 3}, 11, -1, 1, DType::F64);
    sum(log_softmax(x, 1) * w).backward();
    const Tensor once = x.grad().clone();
    x.set_grad(Tensor::full({2, 3}, 9.0, DType::F64));
    sum(log_softmax(x, 1) * w).backward();
    EXPECT_TRUE(all_close(x.grad(), once + 9.0, 1e-15, 1e-15));
}

TEST(Softmax, BadInput) {
    EXPECT_TRUE(throws_with(
        [] {
            softmax(Tensor::zeros({2, 3}, DType::I32), 1);
        },
        {"softmax", "floating", "i32[2, 3]"}));
    EXPECT_TRUE(throws_with(
        [] {
            log_softmax(Tensor::zeros({2, 3}), 2);
        },
        {"log_softmax", "dim 2 out of range", "2 dims"}));
    EXPECT_TRUE(throws_with([] { softmax(Tensor(), 0); }, {"softmax", "undefined"}));
    EXPECT_TRUE(throws_with(
        [] {
            softmax_forward_into(Tensor::zeros({2, 3}), 1, false, Tensor::zeros({3, 2}));
        },
        {"softmax", "shape [3, 2]", "input shape [2, 3]"}));
    EXPECT_TRUE(throws_with(
        [] {
            softmax_forward_into(Tensor::zeros({2, 3}), 1, true, Tensor::zeros({2, 3}, DType::F64));
        },
        {"log_softmax", "dtype mismatch", "f32[2, 3]", "f64[2, 3]"}));
    EXPECT_TRUE(throws_with(
        [] {
            softmax_forward_into(Tensor::zeros({2, 3}).permute({1, 0}), 0, false,
                                 Tensor::zeros({3, 2}));
        },
        {"softmax", "contiguous", "f32[3, 2]"}));
    EXPECT_TRUE(throws_with(
        [] {
            softmax_backward_into(Tensor::zeros({2, 3}), Tensor::zeros({2, 4}), 1, false,
                                  Tensor::zeros({2, 3}));
        },
        {"softmax", "shape [2, 4]", "input shape [2, 3]"}));
    // Empty tensors are fine.
    EXPECT_EQ(softmax(Tensor::zeros({0, 3}), 1).shape(), (Shape{0, 3}));
    EXPECT_EQ(log_softmax(Tensor::zeros({3, 0}), 1).shape(), (Shape{3, 0}));
}

}  // namespace
}  // namespace mdq
