// The sizes out-of-memory messages give. The errors themselves: allocator_test.cpp,
// tensor_test.cpp and data/file_bytes_test.cpp.
#include "core/out_of_memory.h"

#include "tests/testing/test_util.h"

namespace mdq {
namespace {

TEST(OutOfMemory, SizesForMessages) {
    EXPECT_EQ(byte_size_text(512), "512 bytes");
    EXPECT_EQ(byte_size_text(3 << 20), "3.0 MiB (3145728 bytes)");
    EXPECT_EQ(byte_size_text(size_t{3} << 39), "1.5 TiB (1649267441664 bytes)");
    EXPECT_GT(host_memory_available(), size_t{0});  // /proc/meminfo is there on Linux
}

}  // namespace
}  // namespace mdq
