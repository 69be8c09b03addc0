// Conv2d layer: parameters, forward = the functional op, gradients through the layer, MACs,
// bad input naming the layer, the bf16 fallback on the CPU. On a GPU: conv2d_cuda_test.cpp.
#include "layers/conv2d.h"
#include "kernels/conv/conv.h"
#include "layers/param_arena.h"
#include "tests/layers/conv2d_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using conv2d_test::opts;
using testing::all_close;
using testing::random_tensor;
using testing::throws_with;

TEST(Conv2dLayer, ParametersAreOhwiWithRoles) {
    Conv2d c(opts(6, 4, 3, 1, 1, 2));
    auto params = c.named_parameters();
    ASSERT_EQ(params.size(), 2u);
    EXPECT_EQ(params[0].first, "weight");
    EXPECT_EQ(params[0].second->value.shape(), (Shape{4, 3, 3, 3}));
    EXPECT_EQ(params[0].second->role, ParamRole::Weight);
    EXPECT_EQ(params[1].first, "bias");
    EXPECT_EQ(params[1].second->role, ParamRole::Bias);
    EXPECT_EQ(Conv2d(opts(3, 8, 1, 1, 0, 1, false)).num_parameters(), 24);
    EXPECT_EQ(c.describe(), "Conv2d(6, 4, k=3, s=1, p=1, g=2)");
}

TEST(Conv2dLayer, ForwardAndGradientsMatchTheFunctionalOp) {
    Conv2d c(opts(4, 6, 3, 2, 1, 2));
    Tensor x = random_tensor({2, 7, 5, 4}, 1).set_requires_grad(true);
    Tensor y = c(x);
    Tensor w = c.weight().value.detach().set_requires_grad(true);
    Tensor b = c.bias()->value.detach().set_requires_grad(true);
    Tensor xr = x.detach().set_requires_grad(true);
    Tensor want = conv2d(xr, w, b, c.args());
    EXPECT_TRUE(testing::all_equal(y, want));
    Tensor dy = random_tensor(y.shape(), 2);
    sum(y * dy).backward();
    sum(want * dy).backward();
    EXPECT_TRUE(all_close(x.grad(), xr.grad(), 1e-6, 1e-6));
    EXPECT_TRUE(all_close(c.weight().value.grad(), w.grad(), 1e-6, 1e-6));
    EXPECT_TRUE(all_close(c.bias()->value.grad(), b.grad(), 1e-6, 1e-6));
}

TEST(Conv2dLayer, InputGradientInF64) {
    // f64 input: the layer casts its f32 parameters and computes in f64.
    Conv2d c(opts(3, 4, 3, 1, 2, 1));
    c.set_compute_dtype(DType::BF16);  // ignored on the CPU
    Tensor x = random_tensor({1, 4, 4, 3}, 3, -1, 1, DType::F64).set_requires_grad(true);
    EXPECT_TRUE(testing::gradcheck([&](const std::vector<Tensor>& t) { return c(t[0]); }, {x}));
}

TEST(Conv2dLayer, MacsAndBf16FallbackOnTheCpu) {
    Conv2d c(opts(8, 16, 3, 2, 1, 4));
    c.set_compute_dtype(DType::BF16);
    Tensor y = c(Tensor::zeros({2, 9, 9, 8}));
    EXPECT_EQ(y.dtype(), DType::F32);  // bf16 compute falls back to f32 on the CPU
    EXPECT_EQ(y.shape(), (Shape{2, 5, 5, 16}));
    EXPECT_EQ(c.macs({2, 9, 9, 8}, y.shape()), 2 * 5 * 5 * 16 * 3 * 3 * 2);
}

TEST(Conv2dLayer, BadInputNamesTheLayer) {
    Conv2d c(opts(3, 8, 5, 1, 0));
    EXPECT_TRUE(throws_with(
        [&] {
            c(Tensor::zeros({2, 8, 8, 4}));
        },
        {"Conv2d(3, 8, k=5, s=1, p=0)", "[N, H, W, 3]", "[2, 8, 8, 4]"}));
    EXPECT_TRUE(throws_with([&] { c(Tensor::zeros({8, 8, 3})); }, {"Conv2d(3, 8", "[8, 8, 3]"}));
    EXPECT_TRUE(throws_with(
        [&] {
            c(Tensor::zeros({1, 4, 4, 3}));
        },
        {"Conv2d(3, 8, k=5", "larger than the padded input 4x4"}));
    EXPECT_TRUE(throws_with([] { Conv2d(opts(6, 4, 3, 1, 1, 4)); },
                            {"Conv2d", "groups 4 must divide in_channels 6"}));
}

}  // namespace
}  // namespace mdq
