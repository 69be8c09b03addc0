// Pooling on a GPU: every case's forward and backward equal the CPU's. Skipped without a GPU.
#include <cmath>

#include "kernels/pool/pool.h"
#include "tests/kernels/pool/pool_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using namespace pool_test;
using testing::all_close;
using testing::random_tensor;

TEST(Pool2dCuda, ParityWithCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device gpu = Device::cuda();
    uint64_t seed = 70;
    for (const Case& c : cases()) {
        for (DType dt : {DType::F32, DType::BF16}) {
            Tensor x = random_tensor(c.x, ++seed).to(dt);
            Tensor xg = x.to(gpu).set_requires_grad(true), xc = x.detach().set_requires_grad(true);
            Tensor yg = c.f(xg), yc = c.f(xc);
            const double tol = dt == DType::BF16 ? 1e-2 : 1e-6;
            EXPECT_TRUE(all_close(yg, yc, tol, tol)) << c.name;
            Tensor dy = random_tensor(yc.shape(), ++seed).to(dt);
            sum(yg * dy.to(gpu)).backward();
            sum(yc * dy).backward();
            EXPECT_TRUE(all_close(xg.grad(), xc.grad(), tol, tol)) << c.name;
            // Raw kernels into poisoned outputs.
            const PoolGeometry g = c.geometry(c.x);
            Tensor y = Tensor::full(yc.shape(), NAN, dt, gpu);
            Tensor idx =
                g.kind == PoolKind::Max ? Tensor::empty(yc.shape(), DType::I32, gpu) : Tensor();
            pool2d_forward_into(g, x.to(gpu), y, idx);
            EXPECT_TRUE(all_close(y, yc, tol, tol)) << c.name;
            Tensor dx = Tensor::full(c.x, NAN, dt, gpu);
            pool2d_backward_into(g, dy.to(gpu), idx, dx);
            EXPECT_TRUE(all_close(dx, xc.grad(), tol, tol)) << c.name;
        }
    }
}

}  // namespace
}  // namespace mdq
