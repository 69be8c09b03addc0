// CPU unary kernels. The op is fixed at compile time for each launch (one switch per call,
// not one per element): the functors below call the shared formulas of unary_math.h with a
// constant op, so the compiler folds the switch away and vectorizes the loop of the grid body.
#include <type_traits>

#include "kernels/elementwise/elementwise_cpu.h"
#include "kernels/elementwise/unary_impl.h"

namespace mdq::cpu {

namespace {

template <UnaryOp Op, class A>
struct ForwardFn {
    A a, b;
    A operator()(const A* v) const { return math::unary_forward(Op, v[0], a, b); }
};

template <UnaryOp Op, class A>
struct BackwardFn {
    A a, b;
    A operator()(const A* v) const { return math::unary_backward(Op, v[0], v[1], v[2], a, b); }
};

template <UnaryOp Op>
using OpTag = std::integral_constant<UnaryOp, Op>;

// Calls fn(OpTag<op>{}).
template <class Fn>
void with_static_op(UnaryOp op, Fn&& fn) {
    switch (op) {
        case UnaryOp::Neg:
            return fn(OpTag<UnaryOp::Neg>{});
        case UnaryOp::Abs:
            return fn(OpTag<UnaryOp::Abs>{});
        case UnaryOp::Exp:
            return fn(OpTag<UnaryOp::Exp>{});
        case UnaryOp::Log:
            return fn(OpTag<UnaryOp::Log>{});
        case UnaryOp::Sqrt:
            return fn(OpTag<UnaryOp::Sqrt>{});
        case UnaryOp::Tanh:
            return fn(OpTag<UnaryOp::Tanh>{});
        case UnaryOp::Sigmoid:
            return fn(OpTag<UnaryOp::Sigmoid>{});
        case UnaryOp::Relu:
            return fn(OpTag<UnaryOp::Relu>{});
        case UnaryOp::Relu6:
            return fn(OpTag<UnaryOp::Relu6>{});
        case UnaryOp::Sign:
            return fn(OpTag<UnaryOp::Sign>{});
        case UnaryOp::Pow:
            return fn(OpTag<UnaryOp::Pow>{});
        case UnaryOp::Clamp:
            return fn(OpTag<UnaryOp::Clamp>{});
        case UnaryOp::AddScalar:
            return fn(OpTag<UnaryOp::AddScalar>{});
        case UnaryOp::MulScalar:
            return fn(OpTag<UnaryOp::MulScalar>{});
        case UnaryOp::RDivScalar:
            return fn(OpTag<UnaryOp::RDivScalar>{});
    }
    MDQ_THROW(ValueError, "unary: unknown op ", static_cast<int>(op));
}

}  // namespace

void unary_forward(UnaryOp op, const Tensor& x, const Tensor& out, double a, double b) {
    with_static_op(op, [&](auto tag) {
        MDQ_DISPATCH_FLOATING(x.dtype(), unary_op_name(op), [&] {
            using A = acc_t<scalar_t>;
            const ForwardFn<decltype(tag)::value, A> f{static_cast<A>(a), static_cast<A>(b)};
            run_grid(plan_elementwise<scalar_t, scalar_t, 1>(f, out, {x}));
        });
    });
}

void unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& dy,
                    const Tensor& dx, double a, double b) {
    with_static_op(op, [&](auto tag) {
        MDQ_DISPATCH_FLOATING(x.dtype(), unary_op_name(op), [&] {
            using A = acc_t<scalar_t>;
            const BackwardFn<decltype(tag)::value, A> f{static_cast<A>(a), static_cast<A>(b)};
            run_grid(plan_elementwise<scalar_t, scalar_t, 3>(f, dx, {x, y, dy}));
        });
    });
}

}  // namespace mdq::cpu
