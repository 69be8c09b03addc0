// Unary ops: closed-form values, f64 gradient checks, strided and half inputs, bad input.
#include <cmath>

#include "tests/kernels/elementwise/unary_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::gradcheck;
using testing::throws_with;
using namespace unary_test;

TEST(Unary, MatchesClosedForm) {
    for (const UnaryCase& c : cases()) {
        Tensor x = testing::random_tensor({37}, 11, c.lo, c.hi, DType::F64);
        const std::vector<double> xv = x.to_vector<double>();
        std::vector<double> want;
        for (double v : xv)
            want.push_back(c.ref(v));
        EXPECT_TRUE(all_close(c.f(x), Tensor::from_vector(want, {37}), 1e-14, 1e-15)) << c.name;
        EXPECT_TRUE(all_close(c.f(x.to(DType::F32)), Tensor::from_vector(want, {37}), 1e-6, 1e-6))
            << c.name;
    }
}

TEST(Unary, SpecialValues) {
    Tensor x = Tensor::from_vector<float>({0.0f, -0.0f, 1000.0f, -1000.0f}, {4});
    EXPECT_EQ(sign(x).to_vector<float>(), (std::vector<float>{0, 0, 1, -1}));
    EXPECT_EQ(sigmoid(x).to_vector<float>(), (std::vector<float>{0.5f, 0.5f, 1.0f, 0.0f}));
    EXPECT_EQ(tanh(x).to_vector<float>(), (std::vector<float>{0, 0, 1, -1}));
    EXPECT_EQ(relu6(Tensor::from_vector<float>({6.0f, 7.0f}, {2})).to_vector<float>(),
              (std::vector<float>{6, 6}));
}

TEST(Unary, GradientsMatchFiniteDifferences) {
    for (const UnaryCase& c : cases()) {
        Tensor x =
            testing::random_tensor({3, 5}, 21, c.lo, c.hi, DType::F64).set_requires_grad(true);
        EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& in) { return c.f(in[0]); }, {x}))
            << c.name;
    }
}

TEST(Unary, SignHasZeroGradient) {
    Tensor x = testing::random_tensor({4}, 3).set_requires_grad(true);
    sum(sign(x)).backward();
    EXPECT_EQ(x.grad().to_vector<float>(), std::vector<float>(4, 0.0f));
}

TEST(Unary, WorksOnStridedAndHalfInputs) {
    Tensor x = testing::random_tensor({6, 4}, 5);
    Tensor t = x.permute({1, 0});
    EXPECT_TRUE(all_close(tanh(t), tanh(t.contiguous()), 0, 0));
    Tensor h = tanh(x.to(DType::BF16));
    EXPECT_EQ(h.dtype(), DType::BF16);
    EXPECT_TRUE(all_close(h, tanh(x), 1e-2, 1e-2));
    EXPECT_TRUE(all_close(exp(x.to(DType::F16)), exp(x), 2e-3, 2e-3));
}

TEST(Unary, BadInput) {
    EXPECT_TRUE(
        throws_with([] { tanh(Tensor::zeros({2}, DType::I32)); }, {"tanh", "floating", "i32[2]"}));
    EXPECT_TRUE(throws_with([] { relu(Tensor()); }, {"relu", "undefined"}));
    EXPECT_TRUE(throws_with([] { clamp(Tensor::zeros({1}), 1, 0); }, {"clamp", "lower bound"}));
    EXPECT_TRUE(throws_with(
        [] { unary_forward_into(UnaryOp::Exp, Tensor::zeros({2}), Tensor::zeros({3})); },
        {"exp", "output shape [3]", "input shape [2]"}));
    EXPECT_EQ(exp(Tensor::zeros({0, 3})).shape(), (Shape{0, 3}));  // empty tensors are fine
}

}  // namespace
}  // namespace mdq
