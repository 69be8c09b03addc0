// Per-channel ops on channels-last tensors ([..., C], read as [rows, C]): the affine map behind
// bias addition and batch-norm normalisation, and per-channel sums (bias gradients).
#pragma once

#include "core/tensor.h"

namespace mdq {

// Dtype of the per-channel parameters and statistics of activations of dtype dt: f64 for f64
// and f32 otherwise (bf16/f16 activations keep f32 parameters and statistics).
DType stat_dtype(DType dt);

// y[..., c] = x[..., c] * scale[c] + shift[c]. x and y are contiguous with one shape and dtype
// (y may be x); scale and shift are [C] of stat_dtype(x), or undefined for 1 and 0.
void channel_affine_into(const Tensor& x, const Tensor& scale, const Tensor& shift,
                         const Tensor& y);
// out[c] = sum of x[..., c]; x contiguous, out [C] of stat_dtype(x), overwritten. Accumulates
// in f64 on the CPU and in f32 (per chunk of rows, then over chunks) on the GPU; deterministic.
void channel_sum_into(const Tensor& x, const Tensor& out);

namespace cuda {
void channel_affine(const Tensor& x, const Tensor& scale, const Tensor& shift, const Tensor& y);
void channel_sum(const Tensor& x, const Tensor& out);
}  // namespace cuda

}  // namespace mdq
