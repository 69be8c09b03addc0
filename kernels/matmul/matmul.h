// Matrix products: matmul of 2-D and batched 3-D tensors with optional transposes, and linear
// (x · wᵀ + b). OpenBLAS on the CPU (bf16/f16 through f32); cuBLAS on the GPU, where f32 runs
// without TF32 unless MDQ_ALLOW_TF32=1 and bf16/f16 accumulate in f32.
#pragma once

#include "core/tensor.h"

namespace mdq {

// op(a) · op(b), where op transposes the last two dims when its flag is set. After op, a is
// [m, k] or [batch, m, k] and b is [k, n] or [batch, k, n]; a 2-D operand is broadcast over
// the other's batch, two 3-D operands need equal batches. The result is [m, n] or
// [batch, m, n], contiguous. Floating dtypes; both operands share dtype and device.
// Differentiable; a broadcast operand's gradient is summed over the batch.
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);

// x · wᵀ + bias for a layer with weight w [out, in] and bias [out] (or undefined): x is
// [..., in] with any number of leading dims, the result [..., out].
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias = Tensor());

// ---------------------------------------------------------------- raw kernel (no autograd)
// Overwrites out (contiguous, the product's shape, dtype and device) with op(a) · op(b).
// Inputs may have any strides: BLAS reads them in place when one of the last two dims is
// dense, else through a contiguous copy.
void matmul_into(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, const Tensor& out);

namespace cpu {
void matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, const Tensor& out);
}
namespace cuda {
void matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, const Tensor& out);
}

}  // namespace mdq
