// Dtype dispatch and launch of the unary kernels, shared by unary.cpp (the CPU) and
// unary_cuda.cu; Runner is cpu::Runner or cuda::Runner. With StaticOp the op is also fixed at
// compile time, one instantiation per op (the CPU, whose loops then vectorize); without it the
// op is a runtime argument of the functor (CUDA, where a uniform switch costs nothing and
// instantiations cost compile time).
#pragma once

#include <array>
#include <type_traits>

#include "kernels/elementwise/elementwise_plan.h"
#include "kernels/elementwise/unary.h"

namespace mdq {

namespace detail {

template <UnaryOp Op>
using UnaryOpTag = std::integral_constant<UnaryOp, Op>;

// Calls fn(UnaryOpTag<op>{}).
template <class Fn>
void with_static_unary_op(UnaryOp op, Fn&& fn) {
    switch (op) {
#define MDQ_UNARY_TAG_CASE(OP, NAME) \
    case UnaryOp::OP:                \
        return fn(UnaryOpTag<UnaryOp::OP>{});
        MDQ_UNARY_OPS(MDQ_UNARY_TAG_CASE)
#undef MDQ_UNARY_TAG_CASE
    }
    MDQ_THROW(ValueError, "unary: unknown op ", static_cast<int>(op));
}

// Calls make(tag) with the op's tag (StaticOp) or with the op itself, and runs the functor it
// returns over the plan of (out, ins).
template <class Runner, bool StaticOp, class T, int NIN, class Make>
void run_unary(UnaryOp op, const Tensor& out, const std::array<Tensor, NIN>& ins, Make&& make) {
    auto run = [&](auto f) {
        Runner::run(plan_elementwise<T, T, NIN>(f, out, ins), ins[0].device());
    };
    if constexpr (StaticOp) {
        with_static_unary_op(op, [&](auto tag) { run(make(tag)); });
    } else {
        run(make(op));
    }
}

}  // namespace detail

template <class Runner, bool StaticOp = false>
void launch_unary_forward(UnaryOp op, const Tensor& x, const Tensor& out, double a, double b) {
    MDQ_DISPATCH_FLOATING(x.dtype(), unary_op_name(op), [&] {
        using A = acc_t<scalar_t>;
        const A ca = static_cast<A>(a), cb = static_cast<A>(b);
        detail::run_unary<Runner, StaticOp, scalar_t, 1>(op, out, {x}, [&](auto o) {
            if constexpr (StaticOp) {
                return math::StaticUnaryForwardFn<decltype(o)::value, A>{ca, cb};
            } else {
                return math::UnaryForwardFn<A>{o, ca, cb};
            }
        });
    });
}

template <class Runner, bool StaticOp = false>
void launch_unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& dy,
                           const Tensor& dx, double a, double b) {
    MDQ_DISPATCH_FLOATING(x.dtype(), unary_op_name(op), [&] {
        using A = acc_t<scalar_t>;
        const A ca = static_cast<A>(a), cb = static_cast<A>(b);
        detail::run_unary<Runner, StaticOp, scalar_t, 3>(op, dx, {x, y, dy}, [&](auto o) {
            if constexpr (StaticOp) {
                return math::StaticUnaryBackwardFn<decltype(o)::value, A>{ca, cb};
            } else {
                return math::UnaryBackwardFn<A>{o, ca, cb};
            }
        });
    });
}

}  // namespace mdq
