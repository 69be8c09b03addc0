// batch_norm on a GPU: parity with the CPU (training and eval, running statistics, gradients),
// raw kernels write every output, bf16 within bf16 tolerance. Skipped without a GPU.
#include <cmath>

#include "kernels/norm/batch_norm.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::random_tensor;

TEST(BatchNormCuda, ParityWithCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device gpu = Device::cuda();
    uint64_t seed = 300;
    for (const Shape& shape :
         {Shape{7, 33}, Shape{3, 5, 7, 19}, Shape{2, 9, 9, 1}, Shape{129, 3}}) {
        const int64_t c = shape.back();
        for (bool training : {true, false}) {
            Tensor x = random_tensor(shape, ++seed, -2, 3), dy = random_tensor(shape, ++seed);
            Tensor w = random_tensor({c}, ++seed, 0.5, 2), b = random_tensor({c}, ++seed);
            Tensor rm = random_tensor({c}, ++seed), rv = random_tensor({c}, ++seed, 0.5, 2);
            Tensor rm_g = rm.to(gpu), rv_g = rv.to(gpu);
            Tensor xg = x.to(gpu).set_requires_grad(true), wg = w.to(gpu).set_requires_grad(true);
            Tensor bg = b.to(gpu).set_requires_grad(true);
            Tensor xc = x.detach().set_requires_grad(true), wc = w.detach().set_requires_grad(true);
            Tensor bc = b.detach().set_requires_grad(true);
            Tensor yg = batch_norm(xg, wg, bg, rm_g, rv_g, training);
            Tensor yc = batch_norm(xc, wc, bc, rm, rv, training);
            EXPECT_TRUE(all_close(yg, yc, 1e-4, 1e-5)) << shape_str(shape);
            EXPECT_TRUE(all_close(rm_g, rm, 1e-5, 1e-6));
            EXPECT_TRUE(all_close(rv_g, rv, 1e-5, 1e-6));
            sum(yg * dy.to(gpu)).backward();
            sum(yc * dy).backward();
            EXPECT_TRUE(all_close(xg.grad(), xc.grad(), 1e-4, 1e-5)) << shape_str(shape);
            EXPECT_TRUE(all_close(wg.grad(), wc.grad(), 1e-4, 1e-4));
            EXPECT_TRUE(all_close(bg.grad(), bc.grad(), 1e-4, 1e-4));
        }
    }
}

TEST(BatchNormCuda, RawKernelsWriteEveryOutput) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device gpu = Device::cuda();
    Tensor x = random_tensor({6, 5, 3, 17}, 1).to(gpu);
    Tensor y = Tensor::full(x.shape(), NAN, DType::F32, gpu);
    Tensor mean = Tensor::full({17}, NAN, DType::F32, gpu),
           inv = Tensor::full({17}, NAN, DType::F32, gpu);
    batch_norm_forward_into(x, Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, 1e-5, y, mean,
                            inv);
    Tensor dx = Tensor::full(x.shape(), NAN, DType::F32, gpu);
    Tensor sums = Tensor::full({2, 17}, NAN, DType::F32, gpu);
    batch_norm_backward_into(x, random_tensor(x.shape(), 2).to(gpu), Tensor(), mean, inv, true, dx,
                             sums);
    for (const Tensor* t : {&y, &mean, &inv, &dx, &sums})
        EXPECT_EQ(sum(ne(*t, *t)).item<int64_t>(), 0) << "NaN left in " << t->str();
}

TEST(BatchNormCuda, Bf16MatchesF32WithinBf16Tolerance) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device gpu = Device::cuda();
    Tensor x = random_tensor({8, 6, 6, 24}, 5, -3, 3).to(DType::BF16);
    Tensor w = random_tensor({24}, 6, 0.5, 2), b = random_tensor({24}, 7);
    Tensor dy = random_tensor(x.shape(), 8).to(DType::BF16);
    Tensor xg = x.to(gpu).set_requires_grad(true);
    Tensor yg = batch_norm(xg, w.to(gpu), b.to(gpu), Tensor(), Tensor(), true);
    EXPECT_EQ(yg.dtype(), DType::BF16);
    Tensor xr = x.to(DType::F32).set_requires_grad(true);
    Tensor yr = batch_norm(xr, w, b, Tensor(), Tensor(), true);
    EXPECT_TRUE(all_close(yg, yr, 2e-2, 2e-2));
    sum(yg * dy.to(gpu)).backward();
    sum(yr * dy.to(DType::F32)).backward();
    EXPECT_EQ(xg.grad().dtype(), DType::BF16);
    EXPECT_TRUE(all_close(xg.grad(), xr.grad(), 3e-2, 3e-2));
}

}  // namespace
}  // namespace mdq
