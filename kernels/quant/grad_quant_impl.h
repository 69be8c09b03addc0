// Dtype dispatch of the gradient-quantizer row pass, shared by grad_quant.cpp (the CPU) and
// grad_quant_cuda.cu; Runner is cpu::RowPassRunner or cuda::RowPassRunner.
#pragma once

#include "kernels/common/row_pass.h"
#include "kernels/quant/grad_quant.h"

namespace mdq {

// Rows are samples: [N, numel / N] as [outer, r, inner = 1].
inline RowGeometry grad_quant_rows(const Tensor& dy) {
    RowGeometry g;
    g.outer = dy.size(0);
    g.r = g.outer > 0 ? dy.numel() / g.outer : 0;
    return g;
}

template <class Runner>
void launch_grad_quant(const Tensor& dy, int levels, const GradQuantNoise& noise,
                       const Tensor& dx) {
    MDQ_DISPATCH_FLOATING(dy.dtype(), "grad_quantize", [&] {
        const math::GradQuantOp<scalar_t> op{dy.data<scalar_t>(), dx.data<scalar_t>(), noise,
                                             levels};
        Runner::run(op, grad_quant_rows(dy), dy.device());
    });
}

}  // namespace mdq
