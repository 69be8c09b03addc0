// Loader batches copied to the GPU (device_copy). Skipped without a GPU.
#include "data/loader.h"

#include "tests/data/loader_test.h"
#include "tests/testing/test_util.h"

namespace mdq::data {
namespace {

using namespace loader_test;
using testing::all_equal;

TEST(LoaderCuda, CopiesBatchesToTheGpu) {
    MDQ_SKIP_IF_NO_CUDA();
    LoaderOptions o = opts(4, 2);
    Loader cpu(fake(10), augment(), o);
    o.device = Device::cuda(0);
    Loader gpu(fake(10), augment(), o);
    const std::vector<Batch> a = epoch(cpu, 1), b = epoch(gpu, 1);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_TRUE(b[i].images.is_cuda());
        EXPECT_TRUE(all_equal(a[i].images, b[i].images.to(Device::cpu())));
        EXPECT_TRUE(all_equal(a[i].labels, b[i].labels.to(Device::cpu())));
    }
}

}  // namespace
}  // namespace mdq::data
