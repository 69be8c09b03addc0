// conv2d through cuDNN against the CPU: f32 parity on every case, bf16 within bf16 tolerance,
// and binary weights exact in bf16. Skipped without a GPU.
#include <cmath>

#include "kernels/conv/conv.h"
#include "tests/kernels/conv/conv_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using namespace conv_test;
using testing::all_close;
using testing::random_tensor;

TEST(Conv2dCuda, ParityWithCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    uint64_t seed = 500;
    const Device gpu = Device::cuda();
    for (const Case& c : cases()) {
        Tensor x = random_tensor(c.x, ++seed), w = random_tensor(c.w, ++seed);
        Tensor b = maybe_bias(c, ++seed);
        Tensor dy = random_tensor(conv2d(x, w, b, c.a).shape(), ++seed);
        const std::string what = describe(conv2d_problem(c.x, c.w, c.a));
        // Raw kernels with poisoned outputs, so an unwritten element fails.
        Tensor y = Tensor::full(dy.shape(), NAN, DType::F32, gpu);
        conv2d_forward_into(x.to(gpu), w.to(gpu), y, c.a);
        Tensor yc = Tensor::empty(dy.shape());
        conv2d_forward_into(x, w, yc, c.a);
        EXPECT_TRUE(all_close(y, yc, 1e-4, 1e-5)) << what;
        Tensor dx = Tensor::full(c.x, NAN, DType::F32, gpu), dxc = Tensor::empty(c.x);
        conv2d_backward_data_into(dy.to(gpu), w.to(gpu), dx, c.a);
        conv2d_backward_data_into(dy, w, dxc, c.a);
        EXPECT_TRUE(all_close(dx, dxc, 1e-4, 1e-5)) << what;
        Tensor dw = Tensor::full(c.w, NAN, DType::F32, gpu), dwc = Tensor::empty(c.w);
        conv2d_backward_filter_into(x.to(gpu), dy.to(gpu), dw, c.a);
        conv2d_backward_filter_into(x, dy, dwc, c.a);
        EXPECT_TRUE(all_close(dw, dwc, 1e-4, 1e-5)) << what;
        // The differentiable op, bias included.
        Tensor xg = x.to(gpu).set_requires_grad(true), wg = w.to(gpu).set_requires_grad(true);
        Tensor bg = b.defined() ? b.to(gpu).set_requires_grad(true) : Tensor();
        Tensor xh = x.detach().set_requires_grad(true), wh = w.detach().set_requires_grad(true);
        Tensor bh = b.defined() ? b.detach().set_requires_grad(true) : Tensor();
        sum(conv2d(xg, wg, bg, c.a) * dy.to(gpu)).backward();
        sum(conv2d(xh, wh, bh, c.a) * dy).backward();
        EXPECT_TRUE(all_close(xg.grad(), xh.grad(), 1e-4, 1e-5)) << what;
        EXPECT_TRUE(all_close(wg.grad(), wh.grad(), 1e-4, 1e-5)) << what;
        if (b.defined()) {
            EXPECT_TRUE(all_close(bg.grad(), bh.grad(), 1e-4, 1e-5)) << what;
        }
    }
}

TEST(Conv2dCuda, Bf16MatchesF32WithinBf16Tolerance) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device gpu = Device::cuda();
    uint64_t seed = 900;
    for (const Case& c : cases()) {
        Tensor x = random_tensor(c.x, ++seed), w = random_tensor(c.w, ++seed);
        Tensor b = maybe_bias(c, ++seed);
        // Reference: f32 on the CPU from the bf16-rounded inputs, so only accumulation and the
        // output rounding differ.
        Tensor xr = x.to(DType::BF16).to(DType::F32), wr = w.to(DType::BF16).to(DType::F32);
        Tensor want = conv2d(xr, wr, b, c.a);
        Tensor got = conv2d(x.to(gpu).to(DType::BF16), w.to(gpu).to(DType::BF16),
                            b.defined() ? b.to(gpu) : Tensor(), c.a);
        EXPECT_EQ(got.dtype(), DType::BF16);
        EXPECT_TRUE(all_close(got, want, 1e-2, 1e-2)) << describe(conv2d_problem(c.x, c.w, c.a));
    }
}

TEST(Conv2dCuda, BinaryWeightsAreExactInBf16) {
    MDQ_SKIP_IF_NO_CUDA();
    // +-1 weights and inputs: every output is an integer of magnitude <= 3 * 3 * 8 = 72, exact
    // in bf16 (8 significant bits) and in f32 accumulation, so bf16 equals f32 bit for bit.
    Tensor x = sign(random_tensor({2, 6, 6, 8}, 1)), w = sign(random_tensor({5, 3, 3, 8}, 2));
    const Device gpu = Device::cuda();
    Tensor got = conv2d(x.to(gpu).to(DType::BF16), w.to(gpu).to(DType::BF16), Tensor(), geom(1, 1));
    EXPECT_TRUE(testing::all_equal(got, conv2d(x, w, Tensor(), geom(1, 1))));
}

}  // namespace
}  // namespace mdq
