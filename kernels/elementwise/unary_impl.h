// Dtype dispatch and launch of the unary kernels, shared by unary_cpu.cpp and unary_cuda.cu;
// Runner is cpu::Runner or cuda::Runner.
#pragma once

#include "kernels/elementwise/elementwise_plan.h"
#include "kernels/elementwise/unary.h"

namespace mdq {

template <class Runner>
void launch_unary_forward(UnaryOp op, const Tensor& x, const Tensor& out, double a, double b) {
    MDQ_DISPATCH_FLOATING(x.dtype(), unary_op_name(op), [&] {
        using A = acc_t<scalar_t>;
        const math::UnaryForwardFn<A> f{op, static_cast<A>(a), static_cast<A>(b)};
        Runner::run(plan_elementwise<scalar_t, scalar_t, 1>(f, out, {x}), x.device());
    });
}

template <class Runner>
void launch_unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& dy,
                           const Tensor& dx, double a, double b) {
    MDQ_DISPATCH_FLOATING(x.dtype(), unary_op_name(op), [&] {
        using A = acc_t<scalar_t>;
        const math::UnaryBackwardFn<A> f{op, static_cast<A>(a), static_cast<A>(b)};
        Runner::run(plan_elementwise<scalar_t, scalar_t, 3>(f, dx, {x, y, dy}), x.device());
    });
}

}  // namespace mdq
