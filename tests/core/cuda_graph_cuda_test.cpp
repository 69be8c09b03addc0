// CudaGraph on a GPU: capture records without running, replays read the current inputs, and
// what a capture cannot hold (a host synchronisation, memory that outlives it) fails loudly and
// leaves the stream usable. Skipped without a GPU.
#include "core/cuda_graph.h"

#include <cmath>
#include <limits>

#include "kernels/fill/fill.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

TEST(CudaGraphCuda, ReplaysReadTheCurrentInputs) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device dev = Device::cuda(0);
    Tensor x = testing::random_tensor({1000}, 1, -1, 1, DType::F32, dev);
    Tensor out = Tensor::full({1000}, std::numeric_limits<double>::quiet_NaN(), DType::F32, dev);
    CudaGraph g;
    g.capture(current_stream(dev), [&] { out.copy_(x * x + x); });  // temporaries freed inside
    EXPECT_FALSE(g.empty());
    EXPECT_GE(g.num_nodes(), 3u);
    for (float v : out.to_vector<float>())
        ASSERT_TRUE(std::isnan(v)) << "capturing must not run the work";
    for (uint64_t seed : {2, 3}) {
        x.copy_(testing::random_tensor({1000}, seed, -1, 1, DType::F32, dev));
        g.replay();
        EXPECT_TRUE(testing::all_equal(out, x * x + x));
    }
}

TEST(CudaGraphCuda, WhatACaptureCannotHoldIsAnError) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device dev = Device::cuda(0);
    const Tensor x = testing::random_tensor({256}, 4, -1, 1, DType::F32, dev);
    CudaGraph g;
    EXPECT_TRUE(throws_with(
        [&] { g.capture(current_stream(dev), [&] { (void)(x * x).to_vector<float>(); }); },
        {"CUDA graph capture failed", "synchronise"}));
    EXPECT_TRUE(g.empty());
    EXPECT_TRUE(testing::all_equal(x + x, x * 2.0));  // the stream still works
    Tensor kept;
    EXPECT_TRUE(throws_with([&] { g.capture(current_stream(dev), [&] { kept = x * x; }); },
                            {"changed hands across the capture"}));
    EXPECT_TRUE(g.empty());
}

}  // namespace
}  // namespace mdq
