// CPU-vs-CUDA parity of the projection kernels (tanh: forward, gradient, inverse; softmax:
// forward and every simplex gradient). Outputs are poisoned (NaN) first so a kernel that skips
// an element fails. Skipped without a GPU.
#include <cmath>

#include "kernels/quant/project.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

TEST(QuantCuda, ProjectionKernelsMatchCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device gpu = Device::cuda();
    for (int d : {2, 3, 5, 16}) {
        const Tensor u = testing::random_tensor({1031}, d, -1.5, 1.5);
        const Tensor gw = testing::random_tensor({1031}, d + 1, -1, 1);
        Tensor wc = Tensor::empty(u.shape()), wg = Tensor::full(u.shape(), NAN, DType::F32, gpu);
        tanh_project_into(u, 3.0, d, wc);
        tanh_project_into(u.to(gpu), 3.0, d, wg);
        EXPECT_TRUE(testing::all_close(wg, wc, 1e-6, 1e-6)) << d;
        tanh_project_grad_into(u, gw, 3.0, d, wc);
        tanh_project_grad_into(u.to(gpu), gw.to(gpu), 3.0, d, wg.fill_(NAN));
        EXPECT_TRUE(testing::all_close(wg, wc, 1e-5, 1e-6)) << d;
        const Tensor x = testing::random_tensor({1031}, d + 2, -0.99, 0.99);
        tanh_project_inverse_into(x, 3.0, d, wc);
        tanh_project_inverse_into(x.to(gpu), 3.0, d, wg.fill_(NAN));
        EXPECT_TRUE(testing::all_close(wg, wc, 1e-5, 1e-6)) << d;
    }
    const Tensor z = testing::random_tensor({4 * 3, 33}, 5, -1, 1);
    const Tensor c = testing::random_tensor({4, 33}, 6, -1, 1);
    Tensor wc = Tensor::empty({4, 33}), wg = Tensor::full({4, 33}, NAN, DType::F32, gpu);
    softmax_project_into(z, 2.0, 3, wc);
    softmax_project_into(z.to(gpu), 2.0, 3, wg);
    EXPECT_TRUE(testing::all_close(wg, wc, 1e-6, 1e-6));
    for (SimplexGrad m : {SimplexGrad::Exact, SimplexGrad::Pmf, SimplexGrad::Identity}) {
        Tensor gc = Tensor::empty(z.shape()), gg = Tensor::full(z.shape(), NAN, DType::F32, gpu);
        softmax_project_grad_into(z, c, 2.0, 3, m, gc);
        softmax_project_grad_into(z.to(gpu), c.to(gpu), 2.0, 3, m, gg);
        EXPECT_TRUE(testing::all_close(gg, gc, 1e-5, 1e-6));
    }
}

}  // namespace
}  // namespace mdq
