// Random fills on a GPU draw the same numbers as on the CPU. Skipped without a GPU.
#include <cmath>

#include "kernels/fill/fill.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

TEST(RandomCuda, SameNumbersAsCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    for (int64_t n : {1, 3, 31, 257, 1025, 100003}) {
        Generator gc(99), gg(99);
        EXPECT_TRUE(testing::all_equal(uniform({n}, -1, 1, DType::F32, Device::cuda(0), &gg),
                                       uniform({n}, -1, 1, DType::F32, Device::cpu(), &gc)));
        // A scale that is not a power of two: lo + scale * u must not become a fused
        // multiply-add on one side only (the build turns contraction off).
        EXPECT_TRUE(testing::all_equal(uniform({n}, -0.37, 0.53, DType::F32, Device::cuda(0), &gg),
                                       uniform({n}, -0.37, 0.53, DType::F32, Device::cpu(), &gc)));
        // logf/cosf differ by an ulp or so between the CPU library and CUDA.
        EXPECT_TRUE(testing::all_close(normal({n}, 0, 1, DType::F32, Device::cuda(0), &gg),
                                       normal({n}, 0, 1, DType::F32, Device::cpu(), &gc), 1e-5,
                                       1e-6));
        EXPECT_TRUE(testing::all_equal(arange(n, DType::I64, Device::cuda(0)), arange(n)));
    }
}

}  // namespace
}  // namespace mdq
