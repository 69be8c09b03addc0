// Concatenation of tensors along one dim: any dtype, any device (all inputs on one), each
// input copied into its slice of the output by the strided copy kernel (kernels/copy).
#pragma once

#include <vector>

#include "core/tensor.h"

namespace mdq {

// Inputs share dtype, device and number of dims, and agree on every size but `dim`'s
// (negative counts from the end). Differentiable: each input gets its slice of the gradient.
Tensor concat(const std::vector<Tensor>& xs, int64_t dim);

// Raw (no autograd): writes every input into its slice of `out`, which must have the
// concatenated shape, the inputs' dtype and device (any strides).
void concat_into(const std::vector<Tensor>& xs, int64_t dim, const Tensor& out);

}  // namespace mdq
