// GPU parity of the EWGS weight quantizer (layers/weight_quant.h): forward and the gradients of
// the latent weight, l, u and alpha equal the CPU's.
#include "kernels/ops.h"
#include "layers/weight_quant.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::all_equal;
using testing::random_tensor;

TEST(EwgsWeightQuantCuda, ParityWithCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    Tensor w = random_tensor({16, 3, 3, 8}, 12, -1.0, 1.0);
    Tensor dy = random_tensor(w.shape(), 13);
    auto run = [&](Device d) {
        EwgsWeightQuant q(4, 0.2);
        q.to(d);
        q.calibrate_interval(w.to(d));
        q.set_scale(0.7);
        Tensor wr = w.to(d).detach().set_requires_grad(true);
        Tensor y = q(wr);
        y.backward(dy.to(d));
        return std::vector<Tensor>{
            y.to(Device::cpu()), wr.grad().to(Device::cpu()), q.lower().grad().to(Device::cpu()),
            q.upper().grad().to(Device::cpu()), q.scale().grad().to(Device::cpu())};
    };
    const auto c = run(Device::cpu()), g = run(Device::cuda());
    EXPECT_TRUE(all_equal(g[0], c[0]));
    EXPECT_TRUE(all_equal(g[1], c[1]));
    for (int i = 2; i < 5; ++i) {
        EXPECT_TRUE(all_close(g[i], c[i], 1e-4, 1e-4)) << i;
    }
}

}  // namespace
}  // namespace mdq
