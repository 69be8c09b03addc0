// A row pass over a contiguous block viewed as [outer, r, inner]: every row (o, i) folds its r
// elements into a statistic, then the op writes per element and/or once per row. Softmax,
// log_softmax and cross_entropy are row passes. This header holds the geometry and the serial
// row (shared by the CPU loop in row_pass_cpu.h and the kernels in row_pass_cuda.cuh).
//
// An Op provides:
//   using Stat = ...;                        plain aggregate of whole 32-bit words (GPU shuffles)
//   static constexpr bool kWritesElements;   whether write() is called for every element
//   Stat identity() const;
//   Stat fold(Stat s, int64_t at) const;     at: element offset inside the block
//   Stat combine(Stat a, Stat b) const;      commutative: GPU lanes combine in butterflies
//   void write(int64_t at, const Stat& s) const;   (only when kWritesElements)
//   void finish(int64_t row, const Stat& s) const;   row = o * inner + i
#pragma once

#include <cstdint>

#include "core/device.h"
#include "core/hd.h"

namespace mdq {

struct RowGeometry {
    int64_t outer = 1, r = 1, inner = 1;
    MDQ_HD int64_t rows() const { return outer * inner; }
};

// One row, element after element.
template <class Op>
MDQ_HD void row_pass_serial(const Op& op, const RowGeometry& g, int64_t row) {
    const int64_t o = row / g.inner, i = row % g.inner;
    const int64_t base = o * g.r * g.inner + i;
    typename Op::Stat s = op.identity();
    for (int64_t k = 0; k < g.r; ++k)
        s = op.fold(s, base + k * g.inner);
    if constexpr (Op::kWritesElements) {
        for (int64_t k = 0; k < g.r; ++k)
            op.write(base + k * g.inner, s);
    }
    op.finish(row, s);
}

}  // namespace mdq
