// Linear layer in bf16 compute on a GPU matches f32. Skipped without a GPU.
#include "layers/linear.h"
#include "layers/param_arena.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::random_tensor;

TEST(LinearLayerCuda, Bf16ComputeMatchesF32) {
    MDQ_SKIP_IF_NO_CUDA();
    Linear l(64, 10);
    Tensor x = random_tensor({8, 64}, 4);
    Tensor want = l(x.to(DType::BF16).to(DType::F32));
    l.to(Device::cuda());
    l.set_compute_dtype(DType::BF16);
    Tensor y = l(x.to(Device::cuda()));
    EXPECT_EQ(y.dtype(), DType::BF16);
    EXPECT_TRUE(all_close(y, want, 2e-2, 2e-2));
    sum(y).backward();
    EXPECT_EQ(l.weight().value.grad().dtype(), DType::F32);
    EXPECT_EQ(l.bias()->value.grad().dtype(), DType::F32);
}

}  // namespace
}  // namespace mdq
