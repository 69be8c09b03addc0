// Tensors on a GPU: round trips between devices and strided copies. Skipped without a GPU.
#include <cmath>

#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_equal;

TEST(TensorCuda, RoundTripAndStridedCopies) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device g = Device::cuda(0);
    Tensor h = testing::random_tensor({5, 7}, 1);
    Tensor d = h.to(g);
    EXPECT_TRUE(d.is_cuda());
    EXPECT_TRUE(all_equal(d.to(Device::cpu()), h));
    EXPECT_TRUE(all_equal(d.permute({1, 0}).contiguous().to(Device::cpu()),
                          h.permute({1, 0}).contiguous()));
    Tensor dst = Tensor::full({7, 5}, NAN, DType::F32, g);
    dst.copy_(h.permute({1, 0}));  // host strided source into a device tensor
    EXPECT_TRUE(all_equal(dst, h.permute({1, 0})));
    for (DType dt : {DType::BF16, DType::F16, DType::I32, DType::F64})
        EXPECT_TRUE(all_equal(d.to(dt).to(Device::cpu()), h.to(dt))) << dtype_name(dt);
}

}  // namespace
}  // namespace mdq
