// BSQ bit-plane weights (docs/QUANTIZATION.md, BSQ): the planes of a layer, their forward
// recomposition and straight-through backward, exact re-quantisation, removal of all-zero MSB
// and LSB planes, and the bit-level group-Lasso regulariser. Layout and formulas:
// bitplane_math.h. Planes are contiguous f32 of shape weight.shape + (bits,).
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "kernels/quant/bitplane_math.h"

namespace mdq {

// The most planes a layer may have: integers up to 2^24 - 1 stay exact in f32.
constexpr int kMaxBitPlanes = 16;

struct BitPlanes {
    Tensor pos, neg;   // weight.shape + (bits,)
    float step = 1.f;  // value of one integer unit
    int bits = 0;
    Shape weight_shape() const;
};

// Exact planes of w at `bits` bits with step = max|w| / (2^bits - 1) (BSQ step 2); an all-zero w
// gets step 1.
BitPlanes bitplane_decompose(const Tensor& w, int bits);
// Exact planes of w / step rounded and clipped to `bits` bits.
BitPlanes bitplane_decompose(const Tensor& w, int bits, float step);
// out (f32, weight shape) = step * sign(q) round(min(|q|, 2^bits - 1)).
void bitplane_recompose_into(const BitPlanes& p, const Tensor& out);
Tensor bitplane_recompose(const BitPlanes& p);

struct BitPlaneGrad {
    Tensor dpos, dneg;  // like the planes
    double dstep = 0;
};
// Straight-through gradients of the planes and the step from dL/dw.
BitPlaneGrad bitplane_recompose_grad(const BitPlanes& p, const Tensor& dw);

// Planes rounded back to exact {0, 1} bits of the current forward value (same step, same bits).
BitPlanes bitplane_requantize(const BitPlanes& p);

struct PlaneDrop {
    int msb = 0, lsb = 0;  // planes removed at each end
};
// The all-zero planes at the MSB and LSB ends of exact planes (at least one plane is kept).
PlaneDrop bitplane_zero_ends(const BitPlanes& p);
// Keeps planes [lo, lo + count) of t (shape ... + (bits,)): planes and their optimizer state.
Tensor bitplane_slice(const Tensor& t, int lo, int count);
// Removes the all-zero end planes of exact planes: step *= 2^lsb, every weight value unchanged
// bit for bit.
BitPlanes bitplane_drop_zero_ends(const BitPlanes& p);

struct GroupLasso {
    double value = 0;
    Tensor dpos, dneg;  // gradient of value, like the planes
};
// coef * sum_k sqrt(1e-8 + sum_i P[i,k]^2 + N[i,k]^2) (BSQ step 5; the caller folds the
// memory-aware weight numel * bits / total and alpha into coef) and its gradient.
GroupLasso bitplane_group_lasso(const BitPlanes& p, double coef);

namespace cuda {
void run_body(const BitRecompose& e, Device d);
void run_body(const BitRecomposeGrad& e, Device d);
void run_body(const BitDecompose& e, Device d);
void run_body(const BitSlice& e, Device d);
}  // namespace cuda

}  // namespace mdq
