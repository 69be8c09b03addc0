// Dropout (inverted: kept elements are scaled by 1 / (1 - p)) with counter-based Philox masks
// that are the same on CPU and GPU for a given generator state.
#pragma once

#include "core/generator.h"
#include "core/tensor.h"
#include "kernels/dropout/dropout_math.h"

namespace mdq {

// Differentiable. Training with p > 0: y = x * mask / (1 - p), where the mask takes
// ceil(numel / 4) Philox blocks from gen (the default generator when null); otherwise x itself.
// p in [0, 1).
Tensor dropout(const Tensor& x, double p, bool training, Generator* gen = nullptr);

// Raw kernel: y = x * mask / (1 - p) for contiguous x and y of one shape and dtype (y may be x).
void dropout_apply_into(const Tensor& x, const DropoutMask& mask, const Tensor& y);

namespace cuda {
void dropout_apply(const Tensor& x, const DropoutMask& mask, const Tensor& y);
}

}  // namespace mdq
