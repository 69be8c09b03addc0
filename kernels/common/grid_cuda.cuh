// Runs a grid body (kernels/common/grid.h) on the GPU: kGridThreads (256) per block, grid-stride.
#pragma once

#include "core/device.h"
#include "kernels/common/cuda_utils.cuh"
#include "kernels/common/grid.h"

namespace mdq::cuda {

// Thread mapping is the body's: one thread per work item (element or 16-byte vector).
template <class E>
__global__ void __launch_bounds__(kGridThreads) grid_kernel(const E e) {
    grid_body(GridPos{blockIdx.x, threadIdx.x, blockDim.x, gridDim.x}, e, 0, e.n);
}

template <class E>
void run_grid(const E& e, Device device) {
    if (e.n == 0) return;
    static const int per_sm = blocks_per_sm(grid_kernel<E>, kGridThreads);
    const unsigned blocks = grid_for(grid_work(e), kGridThreads, device.index, per_sm);
    grid_kernel<<<blocks, kGridThreads, 0, stream_for(device)>>>(e);
    MDQ_LAUNCH_CHECK();
}

// The CUDA backend of the *_impl.h launch templates.
struct Runner {
    template <class E>
    static void run(const E& e, Device d) {
        run_grid(e, d);
    }
};

}  // namespace mdq::cuda
