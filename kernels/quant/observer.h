// Observers of post-training quantization (docs/CARD.md): the range [lo_c, hi_c] of a tensor,
// per tensor (axis -1) or per channel, as small reductions over the fake-quantization kernel's
// elementwise passes (kernels/quant/fake_quant.h), so they run wherever the tensor lives:
//   minmax      the smallest and largest value;
//   percentile  the p-th and (100 - p)-th percentiles, by bisection on the count of x > t;
//   mse         the clipping of [min, max] by alpha in a grid of (0, 1] that minimises the
//               squared error of the b-bit fake quantization (an ACIQ-like choice, found by
//               search instead of a distribution assumption).
// The moving-average observer (ema) averages minmax ranges over batches (optim/train/ptq.h).
#pragma once

#include "core/tensor.h"
#include "kernels/quant/fake_quant.h"

namespace mdq {

struct Range {
    Tensor lo, hi;  // f32 [C] on the tensor's device (C = 1 per tensor)
};

Range minmax_range(const Tensor& x, int64_t axis);
// p in (50, 100]: hi is the value with a fraction (100 - p) / 100 of x above it, lo the one
// with that fraction below it, to within 1e-6 of the range (40 bisection steps).
Range percentile_range(const Tensor& x, int64_t axis, double p);
// The minmax range scaled by the alpha in {1/steps, 2/steps, ..., 1} (per channel) whose
// `bits`-bit grid gives the least squared error.
Range mse_range(const Tensor& x, int64_t axis, int bits, bool symmetric, int steps = 40);

}  // namespace mdq
