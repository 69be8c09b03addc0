// Dtype dispatch and launch of the binary kernels, shared by binary.cpp (the CPU) and
// binary_cuda.cu.
#pragma once

#include "kernels/elementwise/binary.h"
#include "kernels/elementwise/elementwise_plan.h"

namespace mdq {

template <class Runner>
void launch_binary_forward(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out,
                           double alpha) {
    MDQ_DISPATCH_ALL(a.dtype(), binary_op_name(op), [&] {
        using A = acc_t<scalar_t>;
        const math::BinaryForwardFn<A> f{op, static_cast<A>(alpha)};
        Runner::run(plan_elementwise<scalar_t, scalar_t, 2>(f, out, {a, b}), a.device());
    });
}

template <class Runner>
void launch_binary_grad(BinaryOp op, int which, const Tensor& a, const Tensor& b, const Tensor& dy,
                        const Tensor& out) {
    MDQ_DISPATCH_FLOATING(a.dtype(), binary_op_name(op), [&] {
        using A = acc_t<scalar_t>;
        const math::BinaryGradFn<A> f{op, which};
        Runner::run(plan_elementwise<scalar_t, scalar_t, 3>(f, out, {a, b, dy}), a.device());
    });
}

template <class Runner>
void launch_compare(CompareOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
    MDQ_DISPATCH_ALL(a.dtype(), compare_op_name(op), [&] {
        using A = acc_t<scalar_t>;
        const math::CompareFn<A> f{op};
        Runner::run(plan_elementwise<uint8_t, scalar_t, 2>(f, out, {a, b}), a.device());
    });
}

template <class Runner>
void launch_where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) {
    MDQ_DISPATCH_ALL(a.dtype(), "where", [&] {
        using A = acc_t<scalar_t>;
        Runner::run(plan_elementwise<scalar_t, scalar_t, 3>(math::WhereFn<A>{}, out, {cond, a, b}),
                    a.device());
    });
}

}  // namespace mdq
