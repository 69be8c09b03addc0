// Dtype dispatch of the activation-quantizer kernels, shared by act_quant.cpp (the CPU) and
// act_quant_cuda.cu.
#pragma once

#include "kernels/common/dispatch.h"
#include "kernels/quant/act_quant.h"

namespace mdq {

template <class A>
ActQuantInterval<A> act_quant_interval(const Tensor& lo, const Tensor& hi) {
    return {lo.defined() ? lo.data<A>() : nullptr, hi.defined() ? hi.data<A>() : nullptr};
}

template <class Runner>
void launch_act_quant_forward(const Tensor& x, const Tensor& lo, const Tensor& hi,
                              const ActQuantOptions& o, const Tensor& y) {
    MDQ_DISPATCH_FLOATING(x.dtype(), "act_quantize", [&] {
        using A = acc_t<scalar_t>;
        Runner::run(ActQuantForward<scalar_t>{o.kind, o.levels, act_quant_interval<A>(lo, hi),
                                              x.data<scalar_t>(), y.data<scalar_t>(), x.numel()},
                    x.device());
    });
}

template <class Runner>
void launch_act_quant_backward(const Tensor& x, const Tensor& lo, const Tensor& hi,
                               const ActQuantOptions& o, const Tensor& dy, const Tensor& dx,
                               const Tensor& dlo_terms, const Tensor& dhi_terms) {
    MDQ_DISPATCH_FLOATING(x.dtype(), "act_quantize", [&] {
        using A = acc_t<scalar_t>;
        Runner::run(ActQuantBackward<scalar_t>{o.kind, o.levels, static_cast<A>(o.delta),
                                               act_quant_interval<A>(lo, hi), x.data<scalar_t>(),
                                               dy.data<scalar_t>(), dx.data<scalar_t>(),
                                               dlo_terms.defined() ? dlo_terms.data<A>() : nullptr,
                                               dhi_terms.defined() ? dhi_terms.data<A>() : nullptr,
                                               x.numel()},
                    x.device());
    });
}

}  // namespace mdq
