// Formulas of the binary elementwise ops, comparisons and where, shared by CPU and CUDA.
#pragma once

#include <cstdint>

#include "core/hd.h"
#include "kernels/common/scalar_math.h"

namespace mdq {

enum class BinaryOp : uint8_t { Add, Sub, Mul, Div, Maximum, Minimum };
enum class CompareOp : uint8_t { Eq, Ne, Lt, Le, Gt, Ge };

const char* binary_op_name(BinaryOp op);
const char* compare_op_name(CompareOp op);

namespace math {

// alpha scales b in Add and Sub: a + alpha*b, a - alpha*b.
template <class A>
MDQ_HD A binary_forward(BinaryOp op, A a, A b, A alpha) {
    switch (op) {
        case BinaryOp::Add:
            return a + alpha * b;
        case BinaryOp::Sub:
            return a - alpha * b;
        case BinaryOp::Mul:
            return a * b;
        case BinaryOp::Div:
            return a / b;
        case BinaryOp::Maximum:
            return a > b ? a : b;
        case BinaryOp::Minimum:
            return a < b ? a : b;
    }
    return a;
}

// Gradient reaching input `which` (0 = a, 1 = b). Ties of maximum/minimum split it evenly.
template <class A>
MDQ_HD A binary_grad(BinaryOp op, int which, A a, A b, A dy) {
    switch (op) {
        case BinaryOp::Add:
            return dy;
        case BinaryOp::Sub:
            return which == 0 ? dy : -dy;
        case BinaryOp::Mul:
            return which == 0 ? dy * b : dy * a;
        case BinaryOp::Div:
            return which == 0 ? dy / b : -dy * a / (b * b);
        case BinaryOp::Maximum:
        case BinaryOp::Minimum: {
            if (a == b) return dy / A(2);
            const bool a_wins = op == BinaryOp::Maximum ? a > b : a < b;
            return (a_wins == (which == 0)) ? dy : A(0);
        }
    }
    return dy;
}

template <class A>
MDQ_HD bool compare(CompareOp op, A a, A b) {
    switch (op) {
        case CompareOp::Eq:
            return a == b;
        case CompareOp::Ne:
            return a != b;
        case CompareOp::Lt:
            return a < b;
        case CompareOp::Le:
            return a <= b;
        case CompareOp::Gt:
            return a > b;
        case CompareOp::Ge:
            return a >= b;
    }
    return false;
}

template <class A>
struct BinaryForwardFn {
    BinaryOp op;
    A alpha;
    MDQ_HD A operator()(const A* v) const { return binary_forward(op, v[0], v[1], alpha); }
};

// Inputs: a, b, dy.
template <class A>
struct BinaryGradFn {
    BinaryOp op;
    int which;
    MDQ_HD A operator()(const A* v) const { return binary_grad(op, which, v[0], v[1], v[2]); }
};

template <class A>
struct CompareFn {
    CompareOp op;
    MDQ_HD uint8_t operator()(const A* v) const { return compare(op, v[0], v[1]) ? 1 : 0; }
};

// Inputs: condition (already in A), a, b.
template <class A>
struct WhereFn {
    MDQ_HD A operator()(const A* v) const { return v[0] != A(0) ? v[1] : v[2]; }
};

}  // namespace math
}  // namespace mdq
