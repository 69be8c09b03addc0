// Helpers shared by CUDA launchers: the current stream and launch sizes.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "core/cuda_check.h"
#include "core/stream.h"
#include "core/tensor.h"
#include "kernels/common/grid.h"

namespace mdq::cuda {

inline cudaStream_t stream_for(Device d) {
    return static_cast<cudaStream_t>(current_stream(d).handle());
}
inline cudaStream_t stream_for(const Tensor& t) {
    return stream_for(t.device());
}

int sm_count(int device);

// Blocks of `threads` threads of `kernel` that one SM holds at once (registers, shared memory).
// A grid-stride grid of that many per SM is one full wave: no half-occupied tail wave.
template <class Kernel>
int blocks_per_sm(Kernel kernel, int threads) {
    int n = 0;
    CHECK_CUDA(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&n, kernel, threads, 0));
    return n > 0 ? n : 1;
}

// Blocks for a grid-stride loop over `work` items: enough to fill the GPU, no more.
inline unsigned grid_for(int64_t work, int threads, int device, int blocks_per_sm = 8) {
    const int64_t cap = static_cast<int64_t>(sm_count(device)) * blocks_per_sm;
    return static_cast<unsigned>(grid_blocks(work, threads, cap));
}

}  // namespace mdq::cuda
