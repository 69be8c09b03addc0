// Dtype dispatch of the fake-quantization kernel, shared by fake_quant.cpp (the CPU) and
// fake_quant_cuda.cu.
#pragma once

#include "kernels/quant/fake_quant.h"

namespace mdq {

template <class Runner>
void launch_fake_quant(const Tensor& x, const AffineQuant& q, FakeQuantOut out, int64_t channels,
                       int64_t inner, const Tensor& y) {
    MDQ_DISPATCH_FLOATING(x.dtype(), "fake_quant", [&] {
        Runner::run(
            FakeQuantApply<scalar_t>{x.data<scalar_t>(), y.data<scalar_t>(), q.scale.data<float>(),
                                     q.zero_point.data<float>(), x.numel(), channels, inner,
                                     static_cast<float>(q.qmin), static_cast<float>(q.qmax), out},
            x.device());
    });
}

}  // namespace mdq
