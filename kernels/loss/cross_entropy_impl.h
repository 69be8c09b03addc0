// Dtype dispatch of the cross-entropy kernels, shared by cross_entropy.cpp (the CPU) and
// cross_entropy_cuda.cu. RowRunner runs the forward row pass, GridRunner the backward body.
#pragma once

#include "kernels/common/row_pass.h"
#include "kernels/loss/cross_entropy_math.h"
#include "kernels/loss/loss.h"

namespace mdq {

template <class RowRunner>
void launch_cross_entropy_forward(const Tensor& logits, const Tensor& labels, const Tensor& loss,
                                  const Tensor& lse, unsigned long long* bad_label_word) {
    const int64_t n = logits.size(0), c = logits.size(1);
    MDQ_DISPATCH_FLOATING(logits.dtype(), "cross_entropy", [&] {
        using A = acc_t<scalar_t>;
        const math::CrossEntropyForwardOp<scalar_t> op{{logits.data<scalar_t>()},
                                                       labels.data<int64_t>(),
                                                       c,
                                                       loss.data<A>(),
                                                       lse.data<A>(),
                                                       bad_label_word};
        RowRunner::run(op, RowGeometry{n, c, 1}, logits.device());
    });
}

template <class GridRunner>
void launch_cross_entropy_backward(const Tensor& logits, const Tensor& labels, const Tensor& lse,
                                   const Tensor& g, double scale, const Tensor& dlogits) {
    MDQ_DISPATCH_FLOATING(logits.dtype(), "cross_entropy", [&] {
        using A = acc_t<scalar_t>;
        CrossEntropyGrad<scalar_t> e{};
        e.logits = logits.data<scalar_t>();
        e.labels = labels.data<int64_t>();
        e.lse = lse.data<A>();
        e.g = g.data<A>();
        e.g_per_row = g.numel() > 1;
        e.scale = static_cast<A>(scale);
        e.dx = dlogits.data<scalar_t>();
        e.classes = logits.size(1);
        e.n = logits.numel();
        GridRunner::run(e, logits.device());
    });
}

}  // namespace mdq
