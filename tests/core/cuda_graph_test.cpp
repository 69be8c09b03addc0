// CudaGraph without a CUDA stream: empty at first, capture and replay name themselves in errors.
// The capture and replay themselves: cuda_graph_cuda_test.cpp.
#include "core/cuda_graph.h"

#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

TEST(CudaGraph, NeedsACudaStream) {
    CudaGraph g;
    EXPECT_TRUE(g.empty());
    EXPECT_TRUE(throws_with([&] { g.capture(Stream(), [] {}); }, {"CudaGraph::capture"}));
    EXPECT_TRUE(throws_with([&] { g.replay(); }, {"CudaGraph::replay"}));
}

}  // namespace
}  // namespace mdq
