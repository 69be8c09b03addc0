// Conv2d layer in bf16 compute on a GPU: f32 parameters and gradients in the arena. Skipped
// without a GPU.
#include "layers/conv2d.h"
#include "layers/param_arena.h"
#include "tests/layers/conv2d_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using conv2d_test::opts;
using testing::all_close;
using testing::random_tensor;

TEST(Conv2dLayerCuda, Bf16ComputeKeepsF32ParametersAndGradients) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device gpu = Device::cuda();
    for (bool compute_copy : {false, true}) {
        Conv2d c(opts(8, 12, 3, 1, 1));
        c.to(gpu);
        ParamArena arena(c);
        if (compute_copy) arena.enable_compute_copy(DType::BF16);
        Tensor x = random_tensor({2, 6, 6, 8}, 4);
        // f32 reference on the CPU with the same (bf16-rounded) weights.
        Tensor w = c.weight().value.detach().to(Device::cpu()).to(DType::BF16).to(DType::F32);
        Tensor b = c.bias()->value.detach().to(Device::cpu());
        Tensor wr = w.set_requires_grad(true), br = b.set_requires_grad(true);
        Tensor want = conv2d(x.to(DType::BF16).to(DType::F32), wr, br, c.args());
        c.set_compute_dtype(DType::BF16);
        Tensor y = c(x.to(gpu));
        EXPECT_EQ(y.dtype(), DType::BF16);
        EXPECT_TRUE(all_close(y, want, 1e-2, 1e-2));
        Tensor dy = random_tensor(y.shape(), 5);
        sum(y * dy.to(gpu).to(DType::BF16)).backward();
        sum(want * dy.to(DType::BF16).to(DType::F32)).backward();
        EXPECT_EQ(c.weight().value.grad().dtype(), DType::F32);
        EXPECT_EQ(c.weight().value.grad().storage(), arena.grads().storage());
        EXPECT_TRUE(all_close(c.weight().value.grad(), wr.grad(), 3e-2, 3e-2));
        EXPECT_TRUE(all_close(c.bias()->value.grad(), br.grad(), 3e-2, 3e-2));
    }
}

}  // namespace
}  // namespace mdq
