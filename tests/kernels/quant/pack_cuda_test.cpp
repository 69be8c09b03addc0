// CPU-vs-CUDA parity of hard codes and packing: the GPU's codes, packed bytes and unpacked
// values equal the CPU's. Skipped without a GPU.
#include "kernels/quant/pack.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

TEST(QuantCuda, PackKernelsMatchCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device gpu = Device::cuda();
    for (int d : {2, 3, 5, 16}) {
        const Tensor u = testing::random_tensor({1031}, d, -1.5, 1.5);
        const PackedTensor pc =
            pack_codes(hard_codes({HardRule::NearestProjected, d, 3.0}, u, {1031}), d);
        const PackedTensor pg =
            pack_codes(hard_codes({HardRule::NearestProjected, d, 3.0}, u.to(gpu), {1031}), d);
        EXPECT_TRUE(testing::all_equal(pg.data, pc.data)) << d;
        EXPECT_TRUE(testing::all_equal(unpack_values(pg), unpack_values(pc))) << d;
    }
    const Tensor z = testing::random_tensor({4 * 3, 33}, 5, -1, 1);
    const Tensor codes = hard_codes({HardRule::Argmax, 3, 1.0}, z, {4, 33});
    EXPECT_TRUE(
        testing::all_equal(hard_codes({HardRule::Argmax, 3, 1.0}, z.to(gpu), {4, 33}), codes));
}

}  // namespace
}  // namespace mdq
