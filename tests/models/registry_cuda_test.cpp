// The model zoo on a GPU: every model matches the CPU, and runs in bf16. Skipped without a GPU.
#include "core/gpu.h"
#include "models/registry.h"
#include "tests/models/registry_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using namespace registry_test;

TEST(ModelZooCuda, EveryModelMatchesTheCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    for (const ModelRun& r : runs()) {
        Tensor cpu = forward_backward(r.name, r.size, Device::cpu());
        Tensor gpu = forward_backward(r.name, r.size, Device::cuda());
        // Train-mode batch norm over two images amplifies rounding differences a little.
        EXPECT_TRUE(testing::all_close(gpu, cpu, 1e-2, 1e-3)) << r.name;
    }
}

TEST(ModelZooCuda, EveryModelRunsInBf16) {
    MDQ_SKIP_IF_NO_CUDA();
    for (const ModelRun& r : runs()) {
        Tensor y = forward_backward(r.name, r.size, Device::cuda(), DType::BF16);
        EXPECT_EQ(sum(ne(y, y)).item<int64_t>(), 0) << r.name;
    }
}

}  // namespace
}  // namespace mdq
