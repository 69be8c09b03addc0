// Kernel bodies of hard quantization and packing (docs/METHOD.md 1.8, K6), shared by CPU and CUDA:
// the level code of each weight from its stored variable, codes to level values, and codes
// packed into a little-endian bit stream of `bits` bits each (element i occupies bits
// [i*bits, (i+1)*bits)), one thread per output byte so no two threads write one byte.
#pragma once

#include <cstdint>

#include "core/hd.h"
#include "kernels/common/grid.h"
#include "kernels/quant/quant_math.h"

namespace mdq {

// How a stored variable becomes a level code.
enum class HardRule : uint8_t {
    Sign,              // binary: u >= 0 -> +1 (code 1), else -1 (code 0); sign(0) = +1
    Nearest,           // nearest level of the value itself (primal x, ProxQuant theta)
    NearestProjected,  // nearest level of P_beta(u): the +-1/2 thresholds of ternary
    Argmax,            // simplex group: first index of the largest logit or coordinate
};

struct HardCodes {
    const float* s;  // the stored variable; Argmax: [rows * d * row] groups
    uint8_t* codes;  // [n]
    int64_t n, row;
    int d;
    float beta;
    HardRule rule;
};

MDQ_HD int hard_code(const HardCodes& e, int64_t i) {
    switch (e.rule) {
        case HardRule::Sign:
            return math::sign_code(e.s[i]);
        case HardRule::Nearest:
            return math::nearest_level(e.s[i], e.d);
        case HardRule::NearestProjected:
            return math::nearest_level(math::tanh_projection(e.s[i], e.beta, e.d), e.d);
        case HardRule::Argmax: {
            const int64_t j = i / e.row, base = j * e.d * e.row + (i - j * e.row);
            int k = 0;
            float best = e.s[base];
            for (int l = 1; l < e.d; ++l) {
                const float z = e.s[base + l * e.row];
                if (z > best) {
                    best = z;
                    k = l;
                }
            }
            return k;
        }
    }
    return 0;
}

MDQ_HD void grid_body(const GridPos& p, const HardCodes& e, int64_t begin, int64_t end) {
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    for (int64_t i = begin + tid; i < end; i += nth)
        e.codes[i] = static_cast<uint8_t>(hard_code(e, i));
}

// out[i] = q_{codes[i]}; codes >= d (corrupt input) clamp to the top level.
struct CodeValues {
    const uint8_t* codes;
    float* out;
    int64_t n;
    int d;
};

MDQ_HD void grid_body(const GridPos& p, const CodeValues& e, int64_t begin, int64_t end) {
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    for (int64_t i = begin + tid; i < end; i += nth) {
        const int c = e.codes[i] < e.d ? e.codes[i] : e.d - 1;
        e.out[i] = math::level_value<float>(c, e.d);
    }
}

// One thread per output byte k: the codes overlapping bits [8k, 8k + 8).
struct PackBits {
    const uint8_t* codes;
    uint8_t* out;
    int64_t n;      // output bytes
    int64_t count;  // codes
    int bits;
};

MDQ_HD void grid_body(const GridPos& p, const PackBits& e, int64_t begin, int64_t end) {
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    const uint32_t mask = (1u << e.bits) - 1u;
    for (int64_t k = begin + tid; k < end; k += nth) {
        uint32_t byte = 0;
        const int64_t first = 8 * k / e.bits;
        int64_t last = (8 * k + 7) / e.bits;
        last = last < e.count ? last : e.count - 1;
        for (int64_t i = first; i <= last; ++i) {
            const int64_t shift = i * e.bits - 8 * k;  // may be negative: starts in byte k - 1
            const uint32_t c = e.codes[i] & mask;
            byte |= shift >= 0 ? c << shift : c >> (-shift);
        }
        e.out[k] = static_cast<uint8_t>(byte & 0xffu);
    }
}

// One thread per code: its bits from one or two bytes.
struct UnpackBits {
    const uint8_t* in;
    uint8_t* codes;
    int64_t n;       // codes
    int64_t nbytes;  // input bytes
    int bits;
};

MDQ_HD void grid_body(const GridPos& p, const UnpackBits& e, int64_t begin, int64_t end) {
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    const uint32_t mask = (1u << e.bits) - 1u;
    for (int64_t i = begin + tid; i < end; i += nth) {
        const int64_t bit = i * e.bits, b = bit / 8;
        const int off = static_cast<int>(bit % 8);
        uint32_t word = e.in[b];
        if (off + e.bits > 8 && b + 1 < e.nbytes) word |= static_cast<uint32_t>(e.in[b + 1]) << 8;
        e.codes[i] = static_cast<uint8_t>((word >> off) & mask);
    }
}

MDQ_HD int64_t grid_work(const HardCodes& e) {
    return e.n;
}
MDQ_HD int64_t grid_work(const CodeValues& e) {
    return e.n;
}
MDQ_HD int64_t grid_work(const PackBits& e) {
    return e.n;
}
MDQ_HD int64_t grid_work(const UnpackBits& e) {
    return e.n;
}

}  // namespace mdq
