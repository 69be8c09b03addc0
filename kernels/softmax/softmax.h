// softmax and log_softmax along one dim: numerically stable (the row maximum is subtracted),
// differentiable, for floating dtypes (bf16 and f16 compute in f32).
#pragma once

#include "core/tensor.h"
#include "kernels/common/row_pass.h"

namespace mdq {

// y has x's shape; each slice along `dim` (negative counts from the end) sums to 1.
Tensor softmax(const Tensor& x, int64_t dim);
// log(softmax(x)), computed as x - logsumexp(x) without forming softmax.
Tensor log_softmax(const Tensor& x, int64_t dim);

// ---------------------------------------------------------------- raw kernels (no autograd)
// Requires contiguous tensors of one shape, dtype and device. Overwrites y (resp. dx).
void softmax_forward_into(const Tensor& x, int64_t dim, bool log, const Tensor& y);
// dx from the forward output y and the upstream gradient dy.
void softmax_backward_into(const Tensor& y, const Tensor& dy, int64_t dim, bool log,
                           const Tensor& dx);

namespace cuda {
void softmax_forward(const Tensor& x, const RowGeometry& g, bool log, const Tensor& y);
void softmax_backward(const Tensor& y, const Tensor& dy, const RowGeometry& g, bool log,
                      const Tensor& dx);
}  // namespace cuda

}  // namespace mdq
