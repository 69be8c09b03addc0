// Unary ops on a GPU: parity with the CPU for every op, and the raw kernel writes every
// element. Skipped without a GPU.
#include <cmath>

#include "tests/kernels/elementwise/unary_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using namespace unary_test;

TEST(UnaryCuda, ParityWithCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device g = Device::cuda(0);
    for (const UnaryCase& c : cases()) {
        for (int64_t n : {1, 3, 31, 257, 1025, 1 << 20}) {
            Tensor x = testing::random_tensor({n}, 100 + n, c.lo, c.hi);
            const Tensor want = c.f(x);
            Tensor xg = x.to(g);
            EXPECT_TRUE(all_close(c.f(xg), want, 2e-6, 1e-6)) << c.name << " n=" << n;
            Tensor xs = xg.slice(0, 0, n, 2);  // strided input
            EXPECT_TRUE(all_close(c.f(xs), c.f(x.slice(0, 0, n, 2)), 2e-6, 1e-6)) << c.name;
            Tensor xr = x.detach().clone().set_requires_grad(true);
            Tensor xgr = xg.detach().clone().set_requires_grad(true);
            sum(c.f(xr)).backward();
            sum(c.f(xgr)).backward();
            EXPECT_TRUE(all_close(xgr.grad(), xr.grad(), 2e-5, 1e-6)) << c.name << " grad n=" << n;
            for (DType dt : {DType::BF16, DType::F16})
                EXPECT_TRUE(all_close(c.f(xg.to(dt)), c.f(x.to(dt)), 1e-2, 1e-2)) << c.name;
        }
    }
}

TEST(UnaryCuda, RawKernelWritesEveryElement) {
    MDQ_SKIP_IF_NO_CUDA();
    for (int64_t n : {1, 3, 31, 257, 1025}) {
        Tensor x = testing::random_tensor({n}, n, -1, 1, DType::F32, Device::cuda(0));
        Tensor out = Tensor::full({n}, NAN, DType::F32, Device::cuda(0));
        unary_forward_into(UnaryOp::Tanh, x, out);
        EXPECT_TRUE(all_close(out, tanh(x.to(Device::cpu())), 2e-6, 1e-6));
    }
}

}  // namespace
}  // namespace mdq
