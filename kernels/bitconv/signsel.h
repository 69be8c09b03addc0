// Binary and ternary weights with float activations (the first layer of a binary network, and
// every layer of a weight-only quantized one): no multiplications, each weight bit selects
// whether its input is added or subtracted: y = sum over +1 weights - sum over -1 weights,
// accumulated in that order (not 2 P - sum(x), whose cancellation loses bits). The AVX-512
// variant adds and subtracts 16 inputs per instruction under 16-bit masks taken straight from
// the weight words; the others run the portable loop.
#pragma once

#include "kernels/bitconv/bitconv.h"

namespace mdq {

// f32 [rows, O]: y[r][o] = sum_k w[o][k] x[r][k] for x f32 [rows, K] (CPU, contiguous) and the
// weights of a 1x1 bit convolution or a linear layer flattened to rows of K = KH * KW * C.
Tensor sign_select_gemm(const Tensor& x, const BitConvWeights& w, BitIsa isa = BitIsa::Auto);

// Float activations through binary or ternary conv weights: f32 NHWC x, im2col then
// sign_select_gemm; returns f32 [N, OH, OW, O] (no bias).
Tensor sign_select_conv2d(const Tensor& x, const BitConvWeights& w, const Conv2dArgs& args,
                          BitIsa isa = BitIsa::Auto);

namespace cpu {
// Signed masked sums of `rows` rows of x (stride k floats) under one output channel's weight
// rows: out[r] = sum of x[r][j] over the set bits of plus - over the set bits of minus (binary
// weights: minus null, the complement of plus).
struct SignSelectArgs {
    const float* x;
    int64_t rows, k, words;
};
void masked_sums_portable(const SignSelectArgs& a, const uint64_t* plus, const uint64_t* minus,
                          float* out);
void masked_sums_Avx512(const SignSelectArgs& a, const uint64_t* plus, const uint64_t* minus,
                        float* out);
}  // namespace cpu

}  // namespace mdq
