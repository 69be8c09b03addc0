// The bodies of the row-pass kernels (row_pass.h, row_pass_cuda.cuh), written against the
// thread context of simt.h so the SIMT emulator's tests run them too.
#pragma once

#include <cstdint>

#include "kernels/common/group_reduce.h"
#include "kernels/common/row_pass.h"

namespace mdq {

// Which kernel takes a row pass: rows along the last dim (inner == 1) of 32 or more elements go
// to a group of threads, a warp for rows up to 1024 elements, a whole block beyond; short rows
// and rows along another dim (inner > 1) to one thread each.
enum class RowPassKernel { kBlock, kWarp, kSerial };
constexpr int kRowPassThreads = 256;  // threads per block of every row-pass kernel

inline RowPassKernel row_pass_kernel(const RowGeometry& g) {
    if (g.inner == 1 && g.r > 1024) return RowPassKernel::kBlock;
    if (g.inner == 1 && g.r >= simt::kWarp) return RowPassKernel::kWarp;
    return RowPassKernel::kSerial;
}

// kGroup threads per row (32: a warp, kThreads / 32 rows per block; kThreads: the whole block),
// grid-stride over rows. Each thread folds elements lane, lane + kGroup, ...; the group then
// combines (group_reduce.h). smem holds kGroup / 32 entries of Op::Stat.
template <int kGroup, int kThreads, class Ctx, class Op, class Smem>
MDQ_SIMT void row_pass_group_body(Ctx& t, const Op& op, int64_t rows, int64_t r, Smem smem) {
    using Stat = typename Op::Stat;
    static_assert(kThreads % kGroup == 0, "a block holds whole groups");
    constexpr int kRowsPerBlock = kThreads / kGroup;
    const int lane = t.thread_idx() % kGroup;
    const auto combine = [&](const Stat& a, const Stat& b) { return op.combine(a, b); };
    for (int64_t row =
             static_cast<int64_t>(t.block_idx()) * kRowsPerBlock + t.thread_idx() / kGroup;
         row < rows; row += static_cast<int64_t>(t.grid_dim()) * kRowsPerBlock) {
        const int64_t base = row * r;
        Stat s = op.identity();
        MDQ_UNROLL(4)
        for (int64_t k = lane; k < r; k += kGroup)
            s = op.fold(s, base + k);
        s = group_reduce<kGroup>(t, s, combine, smem);
        if constexpr (Op::kWritesElements) {
            MDQ_UNROLL(4)
            for (int64_t k = lane; k < r; k += kGroup)
                op.write(base + k, s);
        }
        if (lane == 0) op.finish(row, s);
    }
}

// One thread per row, grid-stride.
template <class Ctx, class Op>
MDQ_SIMT void row_pass_serial_body(Ctx& t, const Op& op, const RowGeometry& g) {
    const int64_t rows = g.rows();
    for (int64_t row = static_cast<int64_t>(t.block_idx()) * t.block_dim() + t.thread_idx();
         row < rows; row += static_cast<int64_t>(t.grid_dim()) * t.block_dim())
        row_pass_serial(op, g, row);
}

}  // namespace mdq
