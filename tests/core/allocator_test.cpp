// The CPU allocator: bytes in use follow tensors' lifetimes, the peak resets, and a refused
// allocation is an error that names its size.
#include "core/allocator.h"
#include "core/out_of_memory.h"
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

// A refused allocation is an OutOfMemoryError naming the size asked for and what is free.
// (The sanitizer pass sets ASAN_OPTIONS=allocator_may_return_null=1: ASan would abort here.)
TEST(Allocator, RefusedHostAllocationNamesTheSize) {
    Allocator& a = allocator_for(Device::cpu());
    const size_t before = a.stats().in_use;
    const size_t absurd = size_t{1} << 62;  // beyond the 47-bit address space of every CPU
    EXPECT_TRUE(testing::throws_with([&] { a.allocate(absurd); },
                                     {"out of host memory", byte_size_text(absurd), "available"}));
    EXPECT_EQ(a.stats().in_use, before);
}

}  // namespace
}  // namespace mdq
