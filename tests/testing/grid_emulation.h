// Runs a grid body (docs/DESIGN.md decision 2) on the CPU for a real CUDA launch shape, thread by
// thread, so tests check the index arithmetic of the GPU path on machines without a GPU.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/device.h"
#include "core/tensor.h"
#include "kernels/common/grid.h"
#include "kernels/common/grid_cpu.h"

namespace mdq::testing {

template <class E>
void emulate_grid(const E& e, int64_t blocks, int64_t threads) {
    for (int64_t b = 0; b < blocks; ++b)
        for (int64_t t = 0; t < threads; ++t)
            grid_body(GridPos{b, t, threads, blocks}, e, 0, e.n);
}

// Blocks the GPU holds at once for a grid kernel of kGridThreads threads: an H200's 132 SMs at
// 8 blocks each. Small test sizes stay below it, so the shape is ceil(work / 256) blocks.
constexpr int64_t kEmulatedResidentBlocks = 132 * 8;

// The launch grid_cuda.cuh's run_grid makes for e, with grid_for's arithmetic (grid_blocks).
template <class E>
void emulate_cuda_launch(const E& e, int64_t resident_blocks = kEmulatedResidentBlocks) {
    if (e.n == 0) return;
    emulate_grid(e, grid_blocks(grid_work(e), kGridThreads, resident_blocks), kGridThreads);
}

// Runners for the *_impl.h launch templates (in place of cpu::Runner or cuda::Runner).
struct CudaShapeRunner {
    template <class E>
    static void run(const E& e, Device) {
        emulate_cuda_launch(e);
    }
};
// 3 blocks of 37 threads: 111 divides no size a test uses, exceeds the small ones, and makes
// larger ones loop several times round the grid stride.
struct OddShapeRunner {
    template <class E>
    static void run(const E& e, Device) {
        emulate_grid(e, 3, 37);
    }
};

// Same shape, dtype and bytes (contiguous CPU tensors): bitwise, unlike all_equal's f64 compare,
// so i64 bit words and -0 compare exactly. Names the first differing element.
::testing::AssertionResult same_bits(const Tensor& a, const Tensor& b);

// `launch(runner)` allocates its outputs (pre-filled with values the body never writes, such as
// NaN), builds the grid body exactly as the CUDA launcher does, runs it with the runner and
// returns the outputs. Expects the CUDA launch shape and the odd shape to give `want`, bit for
// bit; `what` names the case in failures.
template <class Launch>
void expect_grid_shapes_give(const std::vector<Tensor>& want, Launch&& launch,
                             const std::string& what) {
    const std::vector<Tensor> cuda_shape = launch(CudaShapeRunner{});
    const std::vector<Tensor> odd_shape = launch(OddShapeRunner{});
    ASSERT_EQ(cuda_shape.size(), want.size()) << what;
    ASSERT_EQ(odd_shape.size(), want.size()) << what;
    for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_TRUE(same_bits(cuda_shape[i], want[i]))
            << what << ", output " << i << ", CUDA launch shape";
        EXPECT_TRUE(same_bits(odd_shape[i], want[i]))
            << what << ", output " << i << ", 3 x 37 grid";
    }
}

// The same with the CPU runner's result as `want`.
template <class Launch>
void expect_grid_shapes_match_cpu(Launch&& launch, const std::string& what) {
    expect_grid_shapes_give(launch(cpu::Runner{}), launch, what);
}

}  // namespace mdq::testing
