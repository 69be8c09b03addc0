// Dtype dispatch of the dropout kernel, shared by dropout.cpp (the CPU) and
// dropout_cuda.cu.
#pragma once

#include "kernels/dropout/dropout.h"

namespace mdq {

template <class Runner>
void launch_dropout_apply(const Tensor& x, const DropoutMask& mask, const Tensor& y) {
    MDQ_DISPATCH_FLOATING(x.dtype(), "dropout", [&] {
        const auto scale = static_cast<acc_t<scalar_t>>(1.0 / (1.0 - mask.p));
        Runner::run(
            DropoutApply<scalar_t>{mask, x.data<scalar_t>(), y.data<scalar_t>(), scale, x.numel()},
            x.device());
    });
}

}  // namespace mdq
