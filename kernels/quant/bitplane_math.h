// Kernel bodies of the BSQ bit-plane weight parameterisation (docs/QUANTIZATION.md, BSQ), shared
// by CPU and CUDA. A layer of `bits` planes stores, per weight i, relaxed bits P[i, k], N[i, k] in
// [0, 2] (plane k weighs 2^k, so k = 0 is the LSB; the last dim of `weight.shape + (bits,)`)
// and one step per layer, the value of one integer unit. The forward value is
//     q_i = sum_k (P[i,k] - N[i,k]) 2^k,   w_i = step * sign(q_i) * round(min(|q_i|, 2^bits - 1)),
// which is BSQ's s * sign(w~) round(clip(|w~|, 0, 1)(2^n - 1)) / (2^n - 1) with s = step (2^n - 1).
// Keeping the step rather than s makes dropping planes exact: dropping m LSBs multiplies the step
// by 2^m (a power of two) and shifts the integer, so every weight keeps its float bit for bit.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/hd.h"
#include "kernels/common/grid.h"

namespace mdq {

namespace math {

MDQ_HD float bit_integer(const float* pos, const float* neg, int bits) {
    float q = 0.f;
    for (int k = bits - 1; k >= 0; --k)
        q = 2.f * q + (pos[k] - neg[k]);
    return q;
}

// The rounded, clipped integer of q with its sign; 0 - r so a rounded-away negative is +0, as
// the exact planes it re-quantises to give.
MDQ_HD float bit_level(float q, int bits) {
    const float top = static_cast<float>((1u << bits) - 1u), a = fabsf(q);
    const float r = rintf(a < top ? a : top);
    return q < 0.f ? 0.f - r : r;
}

}  // namespace math

// w[i] = step * level(q_i).
struct BitRecompose {
    const float* pos;
    const float* neg;
    float* w;
    int64_t n;  // weights
    int bits;
    float step;
};

MDQ_HD void grid_body(const GridPos& p, const BitRecompose& e, int64_t begin, int64_t end) {
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    for (int64_t i = begin + tid; i < end; i += nth) {
        const float q = math::bit_integer(e.pos + i * e.bits, e.neg + i * e.bits, e.bits);
        e.w[i] = e.step * math::bit_level(q, e.bits);
    }
}

// Straight-through gradient of the planes (RELATED step 3): dP[i,k] += step 2^k dw_i, dN = -dP.
struct BitRecomposeGrad {
    const float* dw;
    float* dpos;
    float* dneg;
    int64_t n;  // weights
    int bits;
    float step;
};

MDQ_HD void grid_body(const GridPos& p, const BitRecomposeGrad& e, int64_t begin, int64_t end) {
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    for (int64_t i = begin + tid; i < end; i += nth) {
        float g = e.step * e.dw[i];
        for (int k = 0; k < e.bits; ++k, g *= 2.f) {
            e.dpos[i * e.bits + k] += g;
            e.dneg[i * e.bits + k] -= g;
        }
    }
}

// Exact {0, 1} planes of w / step rounded to an integer of at most `bits` bits (clipped).
struct BitDecompose {
    const float* w;
    float* pos;
    float* neg;
    int64_t n;  // weights
    int bits;
    float inv_step;
};

MDQ_HD void grid_body(const GridPos& p, const BitDecompose& e, int64_t begin, int64_t end) {
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    for (int64_t i = begin + tid; i < end; i += nth) {
        const float v = math::bit_level(e.w[i] * e.inv_step, e.bits);
        const uint32_t m = static_cast<uint32_t>(fabsf(v));
        float* on = v < 0.f ? e.neg : e.pos;
        float* off = v < 0.f ? e.pos : e.neg;
        for (int k = 0; k < e.bits; ++k) {
            on[i * e.bits + k] = static_cast<float>((m >> k) & 1u);
            off[i * e.bits + k] = 0.f;
        }
    }
}

// dst[i, j] = src[i, lo + j] for j < dst_bits: keeps planes [lo, lo + dst_bits) of every weight
// (dropping zero planes, and slicing optimizer state the same way).
struct BitSlice {
    const float* src;
    float* dst;
    int64_t n;  // weights
    int src_bits, lo, dst_bits;
};

MDQ_HD void grid_body(const GridPos& p, const BitSlice& e, int64_t begin, int64_t end) {
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    for (int64_t i = begin + tid; i < end; i += nth)
        for (int j = 0; j < e.dst_bits; ++j)
            e.dst[i * e.dst_bits + j] = e.src[i * e.src_bits + e.lo + j];
}

MDQ_HD int64_t grid_work(const BitRecompose& e) {
    return e.n;
}
MDQ_HD int64_t grid_work(const BitRecomposeGrad& e) {
    return e.n;
}
MDQ_HD int64_t grid_work(const BitDecompose& e) {
    return e.n;
}
MDQ_HD int64_t grid_work(const BitSlice& e) {
    return e.n;
}

}  // namespace mdq
