// GPU parity of the activation quantizer (kernels/quant/act_quant.h): the CUDA kernels equal
// the CPU reference on every kind.
#include "kernels/ops.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::all_equal;
using testing::random_tensor;

Tensor one(double v, DType dt = DType::F32) {
    return Tensor::full({1}, v, dt);
}

TEST(ActQuantCuda, ParityWithCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    for (DType dt : {DType::F32, DType::BF16}) {
        for (ActQuantKind k : {ActQuantKind::DoReFa, ActQuantKind::Uniform, ActQuantKind::Ewgs}) {
            Tensor x = random_tensor({4, 9, 9, 5}, 9, -0.5, 2.0).to(dt);
            Tensor dy = random_tensor(x.shape(), 10).to(dt);
            const bool has_lo = k == ActQuantKind::Ewgs, has_hi = k != ActQuantKind::DoReFa;
            auto run = [&](Device d) {
                Tensor xr = x.to(d).detach().set_requires_grad(true);
                Tensor l = has_lo ? one(-0.1).to(d).set_requires_grad(true) : Tensor();
                Tensor h = has_hi ? one(1.2).to(d).set_requires_grad(true) : Tensor();
                Tensor y = act_quantize(xr, l, h, {k, 4, 0.2 * has_lo});
                y.backward(dy.to(d));
                return std::vector<Tensor>{y.to(Device::cpu()), xr.grad().to(Device::cpu()),
                                           has_hi ? h.grad().to(Device::cpu()) : Tensor()};
            };
            const auto c = run(Device::cpu()), g = run(Device::cuda());
            EXPECT_TRUE(all_equal(g[0], c[0]));
            EXPECT_TRUE(all_equal(g[1], c[1]));
            if (has_hi) {
                EXPECT_TRUE(all_close(g[2], c[2], 1e-4, 1e-4));
            }
        }
    }
}

}  // namespace
}  // namespace mdq
