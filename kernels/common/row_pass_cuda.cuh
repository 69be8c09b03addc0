// CUDA kernels of a row pass (row_pass.h), their bodies in row_pass_body.h. Rows along the
// last dim of 32 or more elements go to a group of threads: a warp for rows up to 1024
// elements, a 256-thread block beyond. Short rows and rows along another dim (inner > 1) go to
// one thread each, neighbouring threads reading neighbouring rows (coalesced when inner > 1).
#pragma once

#include "kernels/common/cuda_utils.cuh"
#include "kernels/common/row_pass_body.h"
#include "kernels/common/simt_cuda.cuh"

namespace mdq::cuda {

using simt::kWarp;

// kGroup threads per row (row_pass_body.h): 32, a warp, or the whole block.
template <class Op, int kGroup>
__global__ void __launch_bounds__(kRowPassThreads)
    row_pass_group_kernel(const Op op, int64_t rows, int64_t r) {
    __shared__ typename Op::Stat smem[kGroup / kWarp];
    CudaThread t;
    row_pass_group_body<kGroup, kRowPassThreads>(t, op, rows, r, smem);
}

// One thread per row, grid-stride.
template <class Op>
__global__ void __launch_bounds__(kRowPassThreads)
    row_pass_serial_kernel(const Op op, RowGeometry g) {
    CudaThread t;
    row_pass_serial_body(t, op, g);
}

template <class Op>
void row_pass(const Op& op, const RowGeometry& g, Device d) {
    const int64_t rows = g.rows();
    if (rows == 0) return;
    const cudaStream_t s = stream_for(d);
    // Grids are one full wave at most (blocks_per_sm), each size cached per instantiation.
    constexpr int kT = kRowPassThreads;
    const RowPassKernel kernel = row_pass_kernel(g);
    if (kernel == RowPassKernel::kBlock) {
        static const int per_sm = blocks_per_sm(row_pass_group_kernel<Op, kT>, kT);
        const unsigned blocks = grid_for(rows * kT, kT, d.index, per_sm);
        row_pass_group_kernel<Op, kT><<<blocks, kT, 0, s>>>(op, rows, g.r);
    } else if (kernel == RowPassKernel::kWarp) {
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
