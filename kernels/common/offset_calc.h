// Maps the linear index of an output element to the element offsets of every operand, for
// operands with arbitrary strides (0 on broadcast dims). Built on the host, used on both sides.
#pragma once

#include <array>
#include <cstdint>

#include "core/hd.h"
#include "core/shape.h"

namespace mdq {

constexpr int kMaxDims = 8;

template <int N>
struct OffsetCalc {
    int ndim = 0;
    int64_t sizes[kMaxDims] = {};
    int64_t strides[N][kMaxDims] = {};

    MDQ_HD void get(int64_t linear, int64_t* off) const {
        for (int a = 0; a < N; ++a)
            off[a] = 0;
        for (int d = ndim - 1; d >= 0; --d) {
            const int64_t idx = linear % sizes[d];
            linear /= sizes[d];
            for (int a = 0; a < N; ++a)
                off[a] += idx * strides[a][d];
        }
    }
};

// Builds the calculator for `shape`, merging adjacent dims that are contiguous in every operand,
// so the common layouts need one or two divisions per element.
template <int N>
OffsetCalc<N> make_offset_calc(const Shape& shape, const std::array<Shape, N>& strides);

// True when every operand's strides are the contiguous strides of `shape`.
template <int N>
bool all_contiguous(const Shape& shape, const std::array<Shape, N>& strides) {
    const Shape c = contiguous_strides(shape);
    for (int a = 0; a < N; ++a)
        for (size_t d = 0; d < shape.size(); ++d)
            if (shape[d] != 1 && strides[a][d] != c[d]) return false;
    return true;
}

}  // namespace mdq
