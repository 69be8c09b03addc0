// Convolutions on bits (docs/INFERENCE.md): NHWC activations packed along channels (bitpack.h),
// binary (+-1) or ternary (-1, 0, +1) OHWI weights packed per output channel. The patches of
// the output pixels are gathered as bit rows (an im2col on bits: each tap appends its pixel's C
// channel bits), and every pair of an activation plane and a weight plane is one XOR-popcount
// bitgemm (bitgemm.h). The result is the exact integer dot product of the codes:
//   +-1 activations, binary weights    G + pad                 G = K - 2 popcount(a XOR w)
//   +-1 activations, ternary weights   (G+ - G-) / 2 + pad     w = w+ - w-, planes w+, w- in {0,1}
//   k-bit plane b of {0,1} codes       2^b (G + S) / 2         S = sum of the weights (binary)
//                                      2^b (G+ - G- + 2 S) / 4 (ternary)
// (the DoReFa identity sum a w = sum_b 2^b sum a_b w written with XOR: for bits x, y read as
// +-1, sum x y = (G + 2 |x| + 2 |y| - K) / 4). Zero padding is exact: a {0,1} code pads with
// 0, which the bit 0 is; a +-1 code cannot hold 0, so a padded tap reads as -1 and `pad` adds
// back the weights of the output pixel's padded taps (per-tap weight sums, only on border
// pixels).
#pragma once

#include <vector>

#include "kernels/bitconv/bitgemm.h"
#include "kernels/bitconv/bitpack.h"
#include "kernels/conv/conv_math.h"
#include "kernels/quant/pack.h"

namespace mdq {

struct BitConvWeights {
    int levels = 2;                // 2: binary (one plane, bit = +1); 3: ternary (w+, w-)
    std::vector<SignRows> planes;  // rows [O, KH * KW * C]
    Tensor tap_sums;               // i32 [O, KH * KW]: sum over channels of each tap's weights
    Tensor sums;                   // i32 [O]: sum of all weights of the output channel
    int64_t o = 0, kh = 0, kw = 0, c = 0;
};

// From f32 OHWI [O, KH, KW, C] (a linear layer's [out, in] is [out, 1, 1, in]) holding only
// the level values: +-1 (levels 2) or -1, 0, +1 (levels 3). Throws on any other value.
BitConvWeights pack_conv_weights(const Tensor& w, int levels);
// From an export's packed weight (mdq export: 1 bit per binary weight, 2 per ternary one).
BitConvWeights pack_conv_weights(const PackedTensor& p);

// i32 [N, OH, OW, O]: the integer dot product of activation codes (+-1, or k-bit integers) and
// weights over the in-bounds taps, zero padding exact. Dilation 1 and one group.
Tensor bit_conv2d(const BitActs& a, const BitConvWeights& w, const Conv2dArgs& args,
                  BitIsa isa = BitIsa::Auto);

// The patch rows of bit_conv2d for one plane: [N * OH * OW, KH * KW * C], padded taps 0.
SignRows bit_patches(const Tensor& plane, int64_t c, const ConvProblem& p);

}  // namespace mdq
