// bf16 and f16 storage types usable on the host and in CUDA kernels. Conversions round to
// nearest even and are written with integer arithmetic, so the CPU reference and the GPU
// produce the same bits.
#pragma once

#include <cstdint>
#include <cstring>

#include "core/hd.h"

namespace mdq {

MDQ_HD uint32_t float_bits(float f) {
#if MDQ_DEVICE_PASS
    return __float_as_uint(f);
#else
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
#endif
}

MDQ_HD float bits_float(uint32_t u) {
#if MDQ_DEVICE_PASS
    return __uint_as_float(u);
#else
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
#endif
}

MDQ_HD uint16_t float_to_bf16_bits(float f) {
    uint32_t u = float_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return static_cast<uint16_t>((u >> 16) | 0x0040u);  // quiet NaN
    u += 0x7fffu + ((u >> 16) & 1u);
    return static_cast<uint16_t>(u >> 16);
}

MDQ_HD float bf16_bits_to_float(uint16_t h) {
    return bits_float(static_cast<uint32_t>(h) << 16);
}

MDQ_HD uint16_t float_to_f16_bits(float f) {
    const uint32_t x = float_bits(f);
    const uint32_t sign = (x >> 16) & 0x8000u;
    const uint32_t a = x & 0x7fffffffu;
    if (a >= 0x7f800000u)
        return static_cast<uint16_t>(sign | (a > 0x7f800000u ? 0x7e00u : 0x7c00u));
    if (a >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds to infinity
    if (a < 0x38800000u) {                                               // half subnormal or zero
        const uint32_t e = a >> 23;
        if (e < 102) return static_cast<uint16_t>(sign);
        const uint32_t m = (a & 0x7fffffu) | 0x800000u;
        const uint32_t s = 126 - e;
        uint32_t h = m >> s;
        const uint32_t rem = m & ((1u << s) - 1u), half = 1u << (s - 1);
        if (rem > half || (rem == half && (h & 1u))) ++h;
        return static_cast<uint16_t>(sign | h);
    }
    uint32_t h = (a >> 13) - (112u << 10);
    const uint32_t rem = a & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
    return static_cast<uint16_t>(sign | h);
}

MDQ_HD float f16_bits_to_float(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    if (e == 0) {
        const float v = static_cast<float>(m) * 5.9604644775390625e-8f;  // m * 2^-24
        return sign ? -v : v;
    }
    if (e == 31) return bits_float(sign | 0x7f800000u | (m << 13));
    return bits_float(sign | ((e + 112u) << 23) | (m << 13));
}

struct alignas(2) bf16 {
    uint16_t bits;  // left uninitialised so the type stays trivial in device arrays
    bf16() = default;
    MDQ_HD explicit bf16(float f) : bits(float_to_bf16_bits(f)) {}
    MDQ_HD operator float() const { return bf16_bits_to_float(bits); }
    MDQ_HD static bf16 from_bits(uint16_t b) {
        bf16 r;
        r.bits = b;
        return r;
    }
};

struct alignas(2) f16 {
    uint16_t bits;  // left uninitialised so the type stays trivial in device arrays
    f16() = default;
    MDQ_HD explicit f16(float f) : bits(float_to_f16_bits(f)) {}
    MDQ_HD operator float() const { return f16_bits_to_float(bits); }
    MDQ_HD static f16 from_bits(uint16_t b) {
        f16 r;
        r.bits = b;
        return r;
    }
};

}  // namespace mdq
