// Per-channel work on channels-last data read as a [rows, C] matrix (C = the last dim): the
// affine map y = x * scale[c] + shift[c], and column reductions. Every body here is a grid body
// (no shared memory, no barriers), so the CPU runs the CUDA index arithmetic too.
#pragma once

#include <cstdint>

#include "core/hd.h"
#include "kernels/common/grid.h"

namespace mdq {

namespace math {

// Sum of the column: one value per element.
template <class A>
struct ColumnSumFn {
    static constexpr int K = 1;
    MDQ_HD void operator()(int64_t, A x, A, A* acc) const { acc[0] += x; }
};

}  // namespace math

// y[i] = x[i] * scale[c] + shift[c] with c = i % cols; scale or shift may be null (1 or 0).
// apply(i, c) is the formula for one element; the CPU runner calls it row by row
// (kernels/common/grid_cpu.h), so it needs no division per element.
template <class T, class A>
struct ChannelAffine {
    const T* x;
    T* y;
    const A* scale;
    const A* shift;
    int64_t cols, n;

    MDQ_HD void apply(int64_t i, int64_t c) const {
        A v = static_cast<A>(x[i]);
        if (scale) v *= scale[c];
        if (shift) v += shift[c];
        y[i] = static_cast<T>(v);
    }
};

template <class T, class A>
MDQ_HD void grid_body(const GridPos& p, const ChannelAffine<T, A>& e, int64_t begin, int64_t end) {
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    for (int64_t i = begin + tid; i < end; i += nth)
        e.apply(i, i % e.cols);
}

template <class T, class A>
MDQ_HD int64_t grid_work(const ChannelAffine<T, A>& e) {
    return e.n;
}

// How the first pass of a column reduction maps work items (see ColumnPartials).
enum class ColumnMapping : uint8_t { PerColumn, RowBlocks };

// First pass of a column reduction: chunk k of rows [k * chunk_rows, (k + 1) * chunk_rows) is
// folded with f(c, x, y, acc[K]) into out[(k * K + j) * cols + c]. Two mappings of the same
// sums: PerColumn (GPU) makes a work item of one (chunk, c), so a warp's loads are coalesced;
// RowBlocks (CPU) makes one of a chunk, read row by row from contiguous memory. y may be null
// (f then sees 0).
template <class T, class Acc, class F>
struct ColumnPartials {
    F f;
    const T* x;
    const T* y;
    Acc* out;
    int64_t rows, cols, chunk_rows;
    ColumnMapping mapping;
    int64_t n;  // chunks * cols (PerColumn) or chunks (RowBlocks)

    // Elements one work item folds (the CPU runner's parallel threshold counts elements).
    MDQ_HD int64_t item_cost() const {
        return mapping == ColumnMapping::RowBlocks ? chunk_rows * cols : chunk_rows;
    }
};

template <class T, class Acc, class F>
MDQ_HD void column_fold(const ColumnPartials<T, Acc, F>& e, int64_t chunk, int64_t c0, int64_t c1) {
    const int64_t r0 = chunk * e.chunk_rows;
    const int64_t r1 = r0 + e.chunk_rows < e.rows ? r0 + e.chunk_rows : e.rows;
    Acc* out = e.out + chunk * F::K * e.cols;
    for (int64_t c = c0; c < c1; ++c)
        for (int k = 0; k < F::K; ++k)
            out[k * e.cols + c] = Acc(0);
    for (int64_t r = r0; r < r1; ++r)
        for (int64_t c = c0; c < c1; ++c) {
            const int64_t at = r * e.cols + c;
            Acc acc[F::K];
            for (int k = 0; k < F::K; ++k)
                acc[k] = out[k * e.cols + c];
            e.f(c, static_cast<Acc>(e.x[at]), e.y ? static_cast<Acc>(e.y[at]) : Acc(0), acc);
            for (int k = 0; k < F::K; ++k)
                out[k * e.cols + c] = acc[k];
        }
}

template <class T, class Acc, class F>
MDQ_HD void grid_body(const GridPos& p, const ColumnPartials<T, Acc, F>& e, int64_t begin,
                      int64_t end) {
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    for (int64_t w = begin + tid; w < end; w += nth) {
        if (e.mapping == ColumnMapping::RowBlocks) {
            column_fold(e, w, 0, e.cols);
        } else {
            column_fold(e, w / e.cols, w % e.cols, w % e.cols + 1);
        }
    }
}

template <class T, class Acc, class F>
MDQ_HD int64_t grid_work(const ColumnPartials<T, Acc, F>& e) {
    return e.n;
}

// Second pass: item j (of n = K * cols) sums partials[chunk * n + j] over the chunks in
// order, so the result does not depend on the launch shape, and writes it times scale.
template <class Acc, class Out>
struct ColumnFinish {
    const Acc* partials;
    Out* out;
    Acc scale;
    int64_t chunks, n;
};

template <class Acc, class Out>
MDQ_HD void grid_body(const GridPos& p, const ColumnFinish<Acc, Out>& e, int64_t begin,
                      int64_t end) {
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    for (int64_t j = begin + tid; j < end; j += nth) {
        Acc s = Acc(0);
        for (int64_t chunk = 0; chunk < e.chunks; ++chunk)
            s += e.partials[chunk * e.n + j];
        e.out[j] = static_cast<Out>(s * e.scale);
    }
}

template <class Acc, class Out>
MDQ_HD int64_t grid_work(const ColumnFinish<Acc, Out>& e) {
    return e.n;
}

}  // namespace mdq
