// Dtype dispatch of the softmax row passes, shared by softmax.cpp (the CPU) and
// softmax_cuda.cu;
// Runner is cpu::RowPassRunner or cuda::RowPassRunner.
#pragma once

#include "kernels/softmax/softmax.h"
#include "kernels/softmax/softmax_math.h"

namespace mdq {

inline const char* softmax_name(bool log) {
    return log ? "log_softmax" : "softmax";
}

template <class Runner>
void launch_softmax_forward(const Tensor& x, const RowGeometry& g, bool log, const Tensor& y) {
    MDQ_DISPATCH_FLOATING(x.dtype(), softmax_name(log), [&] {
        const math::SoftmaxForwardOp<scalar_t> op{{x.data<scalar_t>()}, y.data<scalar_t>(), log};
        Runner::run(op, g, x.device());
    });
}

template <class Runner>
void launch_softmax_backward(const Tensor& y, const Tensor& dy, const RowGeometry& g, bool log,
                             const Tensor& dx) {
    MDQ_DISPATCH_FLOATING(y.dtype(), softmax_name(log), [&] {
        const math::SoftmaxBackwardOp<scalar_t> op{y.data<scalar_t>(), dy.data<scalar_t>(),
                                                   dx.data<scalar_t>(), log};
        Runner::run(op, g, y.device());
    });
}

}  // namespace mdq
