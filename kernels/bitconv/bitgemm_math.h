// Formula of the binary GEMM (DoReFa's bit-convolution identity): for rows a, w of K signs
// packed one bit each (bit 1 = +1, the kernels/quant/pack.h code convention, little-endian, rows
// padded to whole 64-bit words), dot(a, w) = K - 2 popcount(a XOR w), the XOR of the last word
// masked to its K mod 64 live bits so padding never counts. Shared by every ISA variant.
#pragma once

#include <cstdint>

#include "core/hd.h"
#include "kernels/common/grid.h"
#include "kernels/quant/quant_math.h"

namespace mdq {

namespace math {

MDQ_HD int64_t sign_words(int64_t k) {
    return (k + 63) / 64;
}

// Live bits of the last word of a K-bit row: all ones when K is a multiple of 64.
MDQ_HD uint64_t tail_mask(int64_t k) {
    const int r = static_cast<int>(k % 64);
    return r == 0 ? ~uint64_t(0) : (uint64_t(1) << r) - 1u;
}

MDQ_HD int popcount64(uint64_t x) {
#ifdef __CUDA_ARCH__
    return __popcll(x);
#else
    return __builtin_popcountll(x);
#endif
}

// K - 2 * (differing signs) over `words` words; the caller's popcount instruction comes from
// the target it is compiled for (a function with a target attribute inlines this one).
MDQ_HD int32_t binary_dot(const uint64_t* a, const uint64_t* w, int64_t words, uint64_t tail,
                          int64_t k) {
    int64_t diff = 0;
    for (int64_t j = 0; j + 1 < words; ++j)
        diff += popcount64(a[j] ^ w[j]);
    if (words > 0) diff += popcount64((a[words - 1] ^ w[words - 1]) & tail);
    return static_cast<int32_t>(k - 2 * diff);
}

}  // namespace math

// One thread per packed word: bit b of word j of row r is sign_code(x[r, 64 j + b]); padding
// bits are 0.
struct PackSignRows {
    const float* x;  // [rows, k]
    uint64_t* out;   // [rows, words]
    int64_t n;       // rows * words
    int64_t k, words;
};

MDQ_HD void grid_body(const GridPos& p, const PackSignRows& e, int64_t begin, int64_t end) {
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    for (int64_t i = begin + tid; i < end; i += nth) {
        const int64_t r = i / e.words, j = i - r * e.words;
        const int64_t first = 64 * j, last = first + 64 < e.k ? first + 64 : e.k;
        uint64_t word = 0;
        for (int64_t c = first; c < last; ++c)
            word |= static_cast<uint64_t>(math::sign_code(e.x[r * e.k + c])) << (c - first);
        e.out[i] = word;
    }
}

MDQ_HD int64_t grid_work(const PackSignRows& e) {
    return e.n;
}

// The GPU bitgemm: one thread per output cell (r, c), binary_dot with __popcll. The CPU runs
// its ISA variants instead (bitgemm_<name>_cpu.cpp). `n` is the cell count, as for every grid
// body: the launch runs items [0, n).
struct BitGemmCells {
    const uint64_t* w;  // [rows, words]
    const uint64_t* a;  // [cols, words]
    int32_t* out;       // [rows, cols]
    int64_t n;          // rows * cols
    int64_t cols, words, k;
};

MDQ_HD void grid_body(const GridPos& p, const BitGemmCells& e, int64_t begin, int64_t end) {
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    const uint64_t tail = math::tail_mask(e.k);
    for (int64_t i = begin + tid; i < end; i += nth) {
        const int64_t r = i / e.cols, c = i - r * e.cols;
        e.out[i] = math::binary_dot(e.a + c * e.words, e.w + r * e.words, e.words, tail, e.k);
    }
}

MDQ_HD int64_t grid_work(const BitGemmCells& e) {
    return e.n;
}

}  // namespace mdq
