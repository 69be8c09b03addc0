// Dtype dispatch and launch of the pooling kernels, shared by pool_cpu.cpp and pool_cuda.cu.
#pragma once

#include "kernels/pool/pool.h"

namespace mdq {

template <class Runner>
void launch_pool2d_forward(const PoolGeometry& g, const Tensor& x, const Tensor& y,
                           const Tensor& indices) {
    MDQ_DISPATCH_FLOATING(x.dtype(), "pool2d", [&] {
        int32_t* idx = indices.defined() ? indices.data<int32_t>() : nullptr;
        Runner::run(
            PoolForward<scalar_t>{g, x.data<scalar_t>(), y.data<scalar_t>(), idx, y.numel()},
            x.device());
    });
}

template <class Runner>
void launch_pool2d_backward(const PoolGeometry& g, const Tensor& dy, const Tensor& indices,
                            const Tensor& dx) {
    MDQ_DISPATCH_FLOATING(dy.dtype(), "pool2d_backward", [&] {
        const int32_t* idx = indices.defined() ? indices.data<int32_t>() : nullptr;
        Runner::run(
            PoolBackward<scalar_t>{g, dy.data<scalar_t>(), idx, dx.data<scalar_t>(), dx.numel()},
            dy.device());
    });
}

}  // namespace mdq
