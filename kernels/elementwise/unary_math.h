// Formulas of the unary elementwise ops and their derivatives, shared by CPU and CUDA.
#pragma once

#include <cstdint>

#include "core/hd.h"
#include "kernels/common/scalar_math.h"

namespace mdq {

// The unary ops, once: X(enumerator, name). The enum, unary_op_name (unary.cpp) and the
// compile-time op switch (unary_impl.h) are generated from it; the formulas are below.
#define MDQ_UNARY_OPS(X)                                       \
    X(Neg, "neg")                                              \
    X(Abs, "abs")                                              \
    X(Exp, "exp")                                              \
    X(Log, "log")                                              \
    X(Sqrt, "sqrt")                                            \
    X(Tanh, "tanh")                                            \
    X(Sigmoid, "sigmoid")                                      \
    X(Relu, "relu")                                            \
    X(Relu6, "relu6")                                          \
    X(Sign, "sign")              /* sign(0) = 0, as PyTorch */ \
    X(Pow, "pow")                /* x^a */                     \
    X(Clamp, "clamp")            /* min(max(x, a), b) */       \
    X(AddScalar, "add_scalar")   /* x + a */                   \
    X(MulScalar, "mul_scalar")   /* x * a */                   \
    X(RDivScalar, "rdiv_scalar") /* a / x */

enum class UnaryOp : uint8_t {
#define MDQ_UNARY_ENUMERATOR(OP, NAME) OP,
    MDQ_UNARY_OPS(MDQ_UNARY_ENUMERATOR)
#undef MDQ_UNARY_ENUMERATOR
};

const char* unary_op_name(UnaryOp op);

namespace math {

template <class A>
MDQ_HD A unary_forward(UnaryOp op, A x, A a, A b) {
    switch (op) {
        case UnaryOp::Neg:
            return -x;
        case UnaryOp::Abs:
            return m_abs(x);
        case UnaryOp::Exp:
            return m_exp(x);
        case UnaryOp::Log:
            return m_log(x);
        case UnaryOp::Sqrt:
            return m_sqrt(x);
        case UnaryOp::Tanh:
            return m_tanh(x);
        case UnaryOp::Sigmoid: {
            // Stable on both sides: exp never overflows.
            if (x >= A(0)) return A(1) / (A(1) + m_exp(-x));
            const A e = m_exp(x);
            return e / (A(1) + e);
        }
        case UnaryOp::Relu:
            return x > A(0) ? x : A(0);
        case UnaryOp::Relu6:
            return x > A(0) ? (x < A(6) ? x : A(6)) : A(0);
        case UnaryOp::Sign:
            return x > A(0) ? A(1) : (x < A(0) ? A(-1) : A(0));
        case UnaryOp::Pow:
            return m_pow(x, a);
        case UnaryOp::Clamp:
            return x < a ? a : (x > b ? b : x);
        case UnaryOp::AddScalar:
            return x + a;
        case UnaryOp::MulScalar:
            return x * a;
        case UnaryOp::RDivScalar:
            return a / x;
    }
    return x;
}

// d/dx given the input x, the output y = f(x) and the upstream gradient dy.
template <class A>
MDQ_HD A unary_backward(UnaryOp op, A x, A y, A dy, A a, A b) {
    switch (op) {
        case UnaryOp::Neg:
            return -dy;
        case UnaryOp::Abs:
            return x > A(0) ? dy : (x < A(0) ? -dy : A(0));
        case UnaryOp::Exp:
            return dy * y;
        case UnaryOp::Log:
            return dy / x;
        case UnaryOp::Sqrt:
            return dy / (A(2) * y);
        case UnaryOp::Tanh:
            return dy * (A(1) - y * y);
        case UnaryOp::Sigmoid:
            return dy * y * (A(1) - y);
        case UnaryOp::Relu:
            return x > A(0) ? dy : A(0);
        case UnaryOp::Relu6:
            return (x > A(0) && x < A(6)) ? dy : A(0);
        case UnaryOp::Sign:
            return A(0);
        case UnaryOp::Pow:
            return a == A(0) ? A(0) : dy * a * m_pow(x, a - A(1));
        case UnaryOp::Clamp:
            return (x >= a && x <= b) ? dy : A(0);
        case UnaryOp::AddScalar:
            return dy;
        case UnaryOp::MulScalar:
            return dy * a;
        case UnaryOp::RDivScalar:
            return -dy * a / (x * x);
    }
    return dy;
}

template <class A>
struct UnaryForwardFn {
    UnaryOp op;
    A a, b;
    MDQ_HD A operator()(const A* v) const { return unary_forward(op, v[0], a, b); }
};

// Inputs: x, y, dy.
template <class A>
struct UnaryBackwardFn {
    UnaryOp op;
    A a, b;
    MDQ_HD A operator()(const A* v) const { return unary_backward(op, v[0], v[1], v[2], a, b); }
};

// The same with the op fixed at compile time: the switch folds away and a CPU loop vectorizes.
template <UnaryOp Op, class A>
struct StaticUnaryForwardFn {
    A a, b;
    MDQ_HD A operator()(const A* v) const { return unary_forward(Op, v[0], a, b); }
};

template <UnaryOp Op, class A>
struct StaticUnaryBackwardFn {
    A a, b;
    MDQ_HD A operator()(const A* v) const { return unary_backward(Op, v[0], v[1], v[2], a, b); }
};

}  // namespace math
}  // namespace mdq
