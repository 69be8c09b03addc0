// Whole-file reads: a file larger than the memory available is an OutOfMemoryError naming the
// file and both sizes, checked before any allocation (a sparse file stands in for a huge one).
#include "data/file_bytes.h"

#include <fcntl.h>
#include <unistd.h>

#include "core/out_of_memory.h"
#include "tests/testing/test_util.h"

namespace mdq::data {
namespace {

TEST(FileBytes, FileLargerThanMemoryNamesTheFileAndTheSizes) {
    const std::string p = ::testing::TempDir() + "/mdq_huge_" + std::to_string(::getpid());
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    const off_t size = off_t{1} << 42;  // 4 TiB, sparse: no disk space used
    const int rc = ::ftruncate(fd, size);
    ::close(fd);
    if (rc != 0 || host_memory_available() >= static_cast<size_t>(size)) {
        ::unlink(p.c_str());
        GTEST_SKIP() << "no 4 TiB sparse file here, or that much memory free";
    }
    EXPECT_THROW(read_file_bytes(p), OutOfMemoryError);
    EXPECT_TRUE(testing::throws_with([&] { read_file_bytes(p); },
                                     {"cannot read '" + p + "'", "needs 4.0 TiB", "available"}));
    ::unlink(p.c_str());
}

TEST(FileBytes, ReadsPlainFiles) {
    const std::string p = ::testing::TempDir() + "/mdq_small_" + std::to_string(::getpid());
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "abc", 3), 3);
    ::close(fd);
    EXPECT_EQ(read_file_bytes(p), (std::vector<uint8_t>{'a', 'b', 'c'}));
    ::unlink(p.c_str());
}

}  // namespace
}  // namespace mdq::data
