// Philox4x32-10 (Salmon et al., SC'11): a counter-based generator that gives the same numbers
// on the CPU and the GPU for the same (key, counter), so any element of a random tensor can be
// computed independently (docs/DESIGN.md decision 11).
#pragma once

#include <cstdint>

#include "core/hd.h"

namespace mdq {

struct Philox4 {
    uint32_t v[4];
};

MDQ_HD void philox_mulhilo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
    const uint64_t p = static_cast<uint64_t>(a) * b;
    hi = static_cast<uint32_t>(p >> 32);
    lo = static_cast<uint32_t>(p);
}

MDQ_HD Philox4 philox4x32_10(Philox4 c, uint32_t k0, uint32_t k1) {
    for (int round = 0; round < 10; ++round) {
        if (round > 0) {
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        uint32_t hi0, lo0, hi1, lo1;
        philox_mulhilo(0xD2511F53u, c.v[0], hi0, lo0);
        philox_mulhilo(0xCD9E8D57u, c.v[2], hi1, lo1);
        c = Philox4{{hi1 ^ c.v[1] ^ k0, lo1, hi0 ^ c.v[3] ^ k1, lo0}};
    }
    return c;
}

// The four 32-bit words of block `block` of (seed, stream).
MDQ_HD Philox4 philox_block(uint64_t seed, uint64_t stream, uint64_t block) {
    const Philox4 c{{static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32),
                     static_cast<uint32_t>(stream), static_cast<uint32_t>(stream >> 32)}};
    return philox4x32_10(c, static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
}

// Uniform in [0, 1) with 24 random bits: exact in float, hence identical on every device.
MDQ_HD float philox_uniform01(uint32_t x) {
    return static_cast<float>(x >> 8) * 5.9604644775390625e-8f;
}

}  // namespace mdq
