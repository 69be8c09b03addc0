// CUDA runner of the fused step. Thread mapping: one block of kStepThreads per chunk of
// kStepChunk weights (the block scheduler balances the tail); inside a chunk the body's
// 4-wide, 2-unrolled mapping. Every thread reads the iteration's scalars from the device
// control block; the block that finishes last advances it for the next launch, so a
// sequence of steps (or a CUDA graph replaying one) never involves the host
// (math::md_step_block, run by the tests in the SIMT emulator).
#include "kernels/common/cuda_utils.cuh"
#include "kernels/common/simt_cuda.cuh"
#include "optim/md_step.h"

namespace mdq::cuda {

namespace {

template <BaseOptimizer K, uint32_t Mask>
__global__ void __launch_bounds__(kStepThreads) md_step_kernel(const MdStepLaunch L) {
    CudaThread t;
    math::md_step_block<K, Mask>(t, L);
}

__global__ void __launch_bounds__(kStepThreads)
    md_project_kernel(const MdStepLaunch L, float beta) {
    math::md_project_body(GridPos{blockIdx.x, threadIdx.x, blockDim.x, gridDim.x}, L, beta);
}

// One block per chunk, capped at the grid limit (the body then loops over chunks).
unsigned step_grid(int64_t n_chunks) {
    constexpr int64_t kMaxGrid = 2147483647;
    return static_cast<unsigned>(n_chunks < kMaxGrid ? n_chunks : kMaxGrid);
}

// The instantiation for the elementwise methods alone when the launch has no other: the
// common case (MD-tanh-S, float) then carries no register pressure from the Newton inverse
// or the simplex groups.
template <BaseOptimizer K>
void launch_step(const MdStepLaunch& L, unsigned grid, cudaStream_t s) {
    if ((L.methods & ~kElementwiseMethods) == 0) {
        md_step_kernel<K, kElementwiseMethods><<<grid, kStepThreads, 0, s>>>(L);
    } else {
        md_step_kernel<K, kAllMethods><<<grid, kStepThreads, 0, s>>>(L);
    }
}

}  // namespace

void md_step(const MdStepLaunch& L, Device device) {
    const cudaStream_t s = stream_for(device);
    if (L.n_chunks == 0) {
        // Still advance the iteration so schedules stay in step with the host.
        md_step_kernel<BaseOptimizer::Adam, kElementwiseMethods><<<1, 1, 0, s>>>(L);
        MDQ_LAUNCH_CHECK();
        return;
    }
    const unsigned grid = step_grid(L.n_chunks);
    switch (L.hyper.kind) {
        case BaseOptimizer::Adam:
            launch_step<BaseOptimizer::Adam>(L, grid, s);
            break;
        case BaseOptimizer::AdamW:
            launch_step<BaseOptimizer::AdamW>(L, grid, s);
            break;
        case BaseOptimizer::Sgd:
            launch_step<BaseOptimizer::Sgd>(L, grid, s);
            break;
    }
    MDQ_LAUNCH_CHECK();
}

void md_project(const MdStepLaunch& L, float beta, Device device) {
    if (L.n_chunks == 0) return;
    md_project_kernel<<<step_grid(L.n_chunks), kStepThreads, 0, stream_for(device)>>>(L, beta);
    MDQ_LAUNCH_CHECK();
}

}  // namespace mdq::cuda
