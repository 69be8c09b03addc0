// Activations packed to bits along channels for the bit convolutions (bitconv.h): NHWC makes the
// channels of one pixel contiguous, so a pixel becomes ceil(C / 64) words. Two codes: `Sign`
// (bit 1 = +1, bit 0 = -1: the +-1 activations of XNOR-style binary networks) and `Unsigned`
// k-bit codes (DoReFa's activations x = code / (2^k - 1) in [0, 1]) stored as k bit planes,
// plane b holding bit b of every code. pack_threshold writes the packed activations of the next
// layer straight from a layer's integer output, batch norm and the quantizer folded into
// per-channel thresholds (docs/INFERENCE.md).
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace mdq {

enum class BitCode : uint8_t { Sign, Unsigned };

struct BitActs {
    BitCode code = BitCode::Sign;
    std::vector<Tensor> planes;  // i64 [N, H, W, ceil(C / 64)] each: one (Sign) or k (Unsigned)
    int64_t n = 0, h = 0, w = 0, c = 0;
    int bits() const { return static_cast<int>(planes.size()); }
};

// Sign code of f32 NHWC x (CPU, contiguous): bit = x >= 0.
BitActs pack_sign_acts(const Tensor& x);
// k-bit unsigned codes of f32 NHWC x in [0, 1]: code = round(x (2^k - 1)), k in [1, 8]; throws
// when a value lies outside [0, 1].
BitActs pack_unsigned_acts(const Tensor& x, int bits);

// Per-channel thresholds of "quantizer(batch_norm(y))" as a function of a layer's output y:
// code(y) = number of t in thresholds[c] with y >= t (ascending; `descending` channels, those
// with a negative batch-norm scale, count y <= t instead). One threshold for Sign, 2^k - 1 for
// k-bit Unsigned codes.
struct ChannelThresholds {
    BitCode code = BitCode::Sign;
    int bits = 1;
    std::vector<std::vector<double>> t;  // [C][levels - 1]
    std::vector<uint8_t> descending;     // [C]
};

// Batch norm in eval mode, z = (y - mean) / sqrt(var + eps) * gamma + beta (gamma and beta
// undefined when not affine), followed by sign (Sign: z >= 0) or by DoReFa's k-bit quantizer
// round(clip(z, 0, 1) (2^k - 1)) (Unsigned). A channel with gamma 0 gets a constant code:
// thresholds of -inf or +inf. A z exactly on a rounding tie counts up (the float path rounds
// half to even), and thresholds are computed in double: codes can differ from the float path
// only for outputs within rounding of a threshold.
ChannelThresholds fold_batch_norm(BitCode code, int bits, const Tensor& mean, const Tensor& var,
                                  const Tensor& gamma, const Tensor& beta, double eps);

// Packs y (i32 or f32 NHWC [N, H, W, C], CPU) through the thresholds into the next layer's
// activations. Parallel over pixels.
BitActs pack_threshold(const Tensor& y, const ChannelThresholds& th);

}  // namespace mdq
