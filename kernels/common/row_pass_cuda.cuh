// CUDA kernels of a row pass (row_pass.h). Rows along the last dim (inner == 1) of 32 or more
// elements go to a group of threads: a warp for rows up to 1024 elements, a 256-thread block
// beyond. Short rows and rows along another dim (inner > 1) go to one thread each, neighbouring
// threads reading neighbouring rows (coalesced when inner > 1).
#pragma once

#include "kernels/common/cuda_utils.cuh"
#include "kernels/common/group_reduce.cuh"
#include "kernels/common/row_pass.h"

namespace mdq::cuda {

constexpr int kRowPassThreads = 256;

// kGroup threads per row (32: a warp, 8 rows per block; 256: the whole block), grid-stride over
// rows. Each thread folds elements lane, lane + kGroup, ...; the group then combines.
template <class Op, int kGroup>
__global__ void __launch_bounds__(kRowPassThreads)
    row_pass_group_kernel(const Op op, int64_t rows, int64_t r) {
    using Stat = typename Op::Stat;
    __shared__ Stat smem[kGroup / kWarp];
    constexpr int kRowsPerBlock = kRowPassThreads / kGroup;
    const int lane = threadIdx.x % kGroup;
    const auto combine = [&](const Stat& a, const Stat& b) { return op.combine(a, b); };
    for (int64_t row = static_cast<int64_t>(blockIdx.x) * kRowsPerBlock + threadIdx.x / kGroup;
         row < rows; row += static_cast<int64_t>(gridDim.x) * kRowsPerBlock) {
        const int64_t base = row * r;
        Stat s = op.identity();
#pragma unroll 4
        for (int64_t k = lane; k < r; k += kGroup)
            s = op.fold(s, base + k);
        s = group_reduce<kGroup>(s, combine, smem);
        if constexpr (Op::kWritesElements) {
#pragma unroll 4
            for (int64_t k = lane; k < r; k += kGroup)
                op.write(base + k, s);
        }
        if (lane == 0) op.finish(row, s);
    }
}

// One thread per row, grid-stride.
template <class Op>
__global__ void __launch_bounds__(kRowPassThreads)
    row_pass_serial_kernel(const Op op, RowGeometry g) {
    const int64_t rows = g.rows();
    for (int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; row < rows;
         row += static_cast<int64_t>(gridDim.x) * blockDim.x)
        row_pass_serial(op, g, row);
}

template <class Op>
void row_pass(const Op& op, const RowGeometry& g, Device d) {
    const int64_t rows = g.rows();
    if (rows == 0) return;
    const cudaStream_t s = stream_for(d);
    // Grids are one full wave at most (blocks_per_sm), each size cached per instantiation.
    constexpr int kT = kRowPassThreads;
    if (g.inner == 1 && g.r > 1024) {
        static const int per_sm = blocks_per_sm(row_pass_group_kernel<Op, kT>, kT);
        const unsigned blocks = grid_for(rows * kT, kT, d.index, per_sm);
        row_pass_group_kernel<Op, kT><<<blocks, kT, 0, s>>>(op, rows, g.r);
    } else if (g.inner == 1 && g.r >= kWarp) {
        static const int per_sm = blocks_per_sm(row_pass_group_kernel<Op, kWarp>, kT);
        const unsigned blocks = grid_for(rows * kWarp, kT, d.index, per_sm);
        row_pass_group_kernel<Op, kWarp><<<blocks, kT, 0, s>>>(op, rows, g.r);
    } else {
        static const int per_sm = blocks_per_sm(row_pass_serial_kernel<Op>, kT);
        const unsigned blocks = grid_for(rows, kT, d.index, per_sm);
        row_pass_serial_kernel<Op><<<blocks, kT, 0, s>>>(op, g);
    }
    MDQ_LAUNCH_CHECK();
}

// The CUDA backend of the row-pass launch templates (*_impl.h).
struct RowPassRunner {
    template <class Op>
    static void run(const Op& op, const RowGeometry& g, Device d) {
        row_pass(op, g, d);
    }
};

}  // namespace mdq::cuda
