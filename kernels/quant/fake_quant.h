// Affine fake quantization per tensor or per channel (kernels/quant/fake_quant_math.h) and the
// affine grid of b bits: symmetric grids are signed and narrow, q in [-(2^(b-1) - 1),
// 2^(b-1) - 1] with z = 0 (2^b - 1 levels); asymmetric grids are q in [0, 2^b - 1] with a zero
// point that makes 0 exact (2^b levels). No backward: post-training quantization only.
#pragma once

#include "core/tensor.h"
#include "kernels/quant/fake_quant_math.h"

namespace mdq {

struct AffineQuant {
    Tensor scale;       // f32 [C] on the tensor's device: C = 1 per tensor
    Tensor zero_point;  // f32 [C], whole numbers in [qmin, qmax]
    int64_t axis = -1;  // the channel dim, -1 for per tensor
    int64_t qmin = 0, qmax = 255;
    int levels() const { return static_cast<int>(qmax - qmin + 1); }
};

// The grid of `bits` (2..16) over the range [lo_c, hi_c] of each channel (f32 [C] tensors on
// one device). The range is widened to hold 0; a zero-width range gets scale 1.
AffineQuant affine_quant_from_range(const Tensor& lo, const Tensor& hi, int bits, bool symmetric,
                                    int64_t axis);

// x_hat of x (f32 or f64, any shape) on the grid q; the channel dim q.axis must have C entries.
Tensor fake_quant(const Tensor& x, const AffineQuant& q);
// (x_hat - x)^2 elementwise.
Tensor fake_quant_squared_error(const Tensor& x, const AffineQuant& q);
// 1 where x > thresholds[c] (f32 [C]), else 0, in x's dtype.
Tensor exceeds(const Tensor& x, const Tensor& thresholds, int64_t axis);

namespace cuda {
void fake_quant(const Tensor& x, const AffineQuant& q, FakeQuantOut out, int64_t channels,
                int64_t inner, const Tensor& y);
}

}  // namespace mdq
