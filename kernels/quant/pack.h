// Hard quantization (docs/METHOD.md 1.8, K6) and bit packing of the level codes: 1 bit per binary
// weight, 2 per ternary, ceil(log2 d) for d levels. A code k stands for the level
// q_k = (2k - d + 1)/(d - 1); binary code 1 is +1 (the XNOR-popcount convention), ternary codes
// 0, 1, 2 are -1, 0, +1. Packing is little-endian by bit: code i occupies bits
// [i*bits, (i+1)*bits) of the byte stream, so 3-bit codes may straddle two bytes.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "kernels/quant/pack_math.h"

namespace mdq {

struct HardSpec {
    HardRule rule = HardRule::Sign;
    int levels = 2;
    double beta = 1.0;  // NearestProjected only
};

// Level codes (u8, shaped like the weight `wshape`) of a stored variable: same shape as the
// weight for the scalar rules, [rows * d, rest...] for Argmax (docs/METHOD.md pitfall 10 layout).
Tensor hard_codes(const HardSpec& spec, const Tensor& stored, const Shape& wshape);
// out (f32, like codes) = the level values of the codes.
void codes_to_values_into(const Tensor& codes, int levels, const Tensor& out);

// ceil(log2(levels)): bits of one packed code (1 binary, 2 ternary and 4 levels, 3 for 8).
int bits_for_levels(int levels);

struct PackedTensor {
    Tensor data;  // u8 [ceil(numel * bits / 8)]
    Shape shape;  // of the weight
    int levels = 2;
    int bits = 1;
    int64_t numel() const { return mdq::numel(shape); }
};

// Packs u8 codes (any shape, contiguous) on their device.
PackedTensor pack_codes(const Tensor& codes, int levels);
// u8 codes shaped like the weight, on the packed data's device.
Tensor unpack_codes(const PackedTensor& p);
// f32 level values shaped like the weight.
Tensor unpack_values(const PackedTensor& p);

namespace cuda {
void run_body(const HardCodes& e, Device d);
void run_body(const CodeValues& e, Device d);
void run_body(const PackBits& e, Device d);
void run_body(const UnpackBits& e, Device d);
}  // namespace cuda

}  // namespace mdq
