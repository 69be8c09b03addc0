// Batch buffers: a batch too large for memory is an OutOfMemoryError naming the batch and the
// sizes, and a size that overflows is refused up front.
#include "data/batch_buffers.h"

#include "core/out_of_memory.h"
#include "tests/testing/test_util.h"

namespace mdq::data {
namespace {

TEST(BatchBuffers, BatchTooLargeForMemoryNamesItsSize) {
    const int64_t batch = int64_t{1} << 40;  // of 28 x 28 images: 3.1 PiB
    BatchBufferPool pool(batch, 784);
    EXPECT_THROW(pool.acquire(), OutOfMemoryError);
    EXPECT_TRUE(testing::throws_with(
        [&] { pool.acquire(); },
        {"cannot allocate a batch buffer (" + std::to_string(batch) + " examples", "PiB",
         "asked for", "available"}));
    EXPECT_EQ(pool.buffers_allocated(), 0u);
}

TEST(BatchBuffers, OverflowingSizeIsRefused) {
    EXPECT_TRUE(testing::throws_with([] { BatchBufferPool(INT64_MAX / 2, 784); },
                                     {"batch_size", "overflows"}));
}

}  // namespace
}  // namespace mdq::data
