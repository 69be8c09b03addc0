// Activation quantizers as a differentiable op (formulas in act_quant_math.h): DoReFa's
// quantize_k(clip(x, 0, 1)), a uniform quantizer with a PACT clip alpha, and EWGS's
// learnable-interval quantizer with its gradient scaling.
#pragma once

#include "core/tensor.h"
#include "kernels/quant/act_quant_math.h"

namespace mdq {

struct ActQuantOptions {
    ActQuantKind kind = ActQuantKind::DoReFa;
    int levels = 4;      // 2^bits, 2..65536
    double delta = 0.0;  // EWGS gradient scaling, >= 0 (0: straight-through)
};

const char* act_quant_kind_name(ActQuantKind k);

// Differentiable in x, lo and hi. lo and hi are one-element tensors of x's accumulation dtype
// (f32 for bf16 x) on x's device: DoReFa takes neither (undefined), Uniform takes hi = alpha
// only, EWGS both. Throws naming the op for a missing or extra end, levels out of range or a
// negative delta; u <= l is not checked here (that would wait on the device): the layer
// keeps the interval valid.
Tensor act_quantize(const Tensor& x, const Tensor& lo, const Tensor& hi, const ActQuantOptions& o);

// Raw kernels on contiguous tensors. dlo_terms / dhi_terms (numel(x) elements of the
// accumulation dtype, or undefined) receive the per-element terms of dl and du.
void act_quant_forward_into(const Tensor& x, const Tensor& lo, const Tensor& hi,
                            const ActQuantOptions& o, const Tensor& y);
void act_quant_backward_into(const Tensor& x, const Tensor& lo, const Tensor& hi,
                             const ActQuantOptions& o, const Tensor& dy, const Tensor& dx,
                             const Tensor& dlo_terms, const Tensor& dhi_terms);

namespace cuda {
void act_quant_forward(const Tensor& x, const Tensor& lo, const Tensor& hi,
                       const ActQuantOptions& o, const Tensor& y);
void act_quant_backward(const Tensor& x, const Tensor& lo, const Tensor& hi,
                        const ActQuantOptions& o, const Tensor& dy, const Tensor& dx,
                        const Tensor& dlo_terms, const Tensor& dhi_terms);
}  // namespace cuda

}  // namespace mdq
