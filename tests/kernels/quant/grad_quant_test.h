// Shared by the CPU and GPU tests of kernels/quant/grad_quant.h.
#pragma once

#include "core/generator.h"
#include "kernels/ops.h"

namespace mdq::testing {

// The quantized gradient of g through grad_quantize with generator gen.
inline Tensor quantized_grad(const Tensor& g, int bits, Generator& gen) {
    Tensor x = Tensor::zeros(g.shape(), g.dtype()).set_requires_grad(true);
    Tensor y = grad_quantize(x, bits, &gen);
    y.backward(g);
    return x.grad();
}

}  // namespace mdq::testing
