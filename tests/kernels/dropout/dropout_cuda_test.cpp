// Dropout masks and gradients on a GPU equal the CPU's for the same generator state, in f32
// and bf16. Skipped without a GPU.
#include "kernels/dropout/dropout.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_equal;
using testing::random_tensor;

TEST(DropoutCuda, MasksMatchTheCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    for (DType dt : {DType::F32, DType::BF16}) {
        Tensor x = random_tensor({3, 17, 33}, 6).to(dt);
        Generator gc(123, 2), gg(123, 2);
        Tensor xc = x.detach().set_requires_grad(true);
        Tensor xg = x.to(Device::cuda()).set_requires_grad(true);
        Tensor yc = dropout(xc, 0.35, true, &gc), yg = dropout(xg, 0.35, true, &gg);
        EXPECT_TRUE(all_equal(yg, yc));
        Tensor dy = random_tensor(x.shape(), 7).to(dt);
        sum(yc * dy).backward();
        sum(yg * dy.to(Device::cuda())).backward();
        EXPECT_TRUE(all_equal(xg.grad(), xc.grad()));
    }
}

}  // namespace
}  // namespace mdq
