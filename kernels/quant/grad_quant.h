// DoReFa-Net's gradient quantization as a backward-only op (formula in grad_quant_math.h):
// identity in the forward pass, k-bit stochastic rounding of the gradient per sample in the
// backward pass, with Philox noise reserved from a generator at forward time.
#pragma once

#include "core/generator.h"
#include "core/tensor.h"
#include "kernels/quant/grad_quant_math.h"

namespace mdq {

// Differentiable: returns x (a new node, same values) whose gradient is quantized to `bits`
// (1..16) bits per sample (dim 0). Reserves ceil(numel / 4) Philox blocks of gen (the default
// generator when null) at every call, so a run is reproducible from its seed and resumable from
// the generator offset a checkpoint saves. x needs at least one dim.
Tensor grad_quantize(const Tensor& x, int bits, Generator* gen = nullptr);

// Raw kernel: dx = the quantized dy, both contiguous of one shape and dtype; rows are dim 0.
void grad_quant_into(const Tensor& dy, int bits, const GradQuantNoise& noise, const Tensor& dx);

namespace cuda {
void grad_quant(const Tensor& dy, int levels, const GradQuantNoise& noise, const Tensor& dx);
}

}  // namespace mdq
