// The CPU allocator's statistics: bytes in use follow tensors' lifetimes, and the peak resets.
#include "core/allocator.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

TEST(Allocator, TracksBytesInUseAndPeak) {
    Allocator& a = allocator_for(Device::cpu());
    const size_t before = a.stats().in_use;
    a.reset_peak();
    {
        Tensor t = Tensor::empty({1000});
        EXPECT_EQ(a.stats().in_use, before + 4000);
    }
    EXPECT_EQ(a.stats().in_use, before);
    EXPECT_GE(a.stats().peak, before + 4000);
}

}  // namespace
}  // namespace mdq
