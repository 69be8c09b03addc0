// Unary elementwise ops: neg, abs, exp, log, sqrt, tanh, sigmoid, relu, relu6, sign, pow by a
// scalar, clamp, and the scalar arithmetic behind Tensor-with-number operators.
#pragma once

#include "core/tensor.h"
#include "kernels/elementwise/unary_math.h"

namespace mdq {

// ---------------------------------------------------------------- differentiable ops
Tensor neg(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor relu6(const Tensor& x);
Tensor sign(const Tensor& x);  // gradient 0 everywhere
Tensor pow(const Tensor& x, double exponent);
Tensor clamp(const Tensor& x, double lo, double hi);
Tensor add_scalar(const Tensor& x, double a);
Tensor mul_scalar(const Tensor& x, double a);
Tensor rdiv_scalar(double a, const Tensor& x);  // a / x

// ---------------------------------------------------------------- raw kernels (no autograd)
// out = op(x); out has x's shape, dtype and device (any strides).
void unary_forward_into(UnaryOp op, const Tensor& x, const Tensor& out, double a = 0, double b = 0);
// dx = d op(x)/dx * dy, from x, y = op(x) and dy (all of one shape).
void unary_backward_into(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& dy,
                         const Tensor& dx, double a = 0, double b = 0);
Tensor unary(UnaryOp op, const Tensor& x, double a = 0, double b = 0);  // differentiable

namespace cuda {
void unary_forward(UnaryOp op, const Tensor& x, const Tensor& out, double a, double b);
void unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& dy,
                    const Tensor& dx, double a, double b);
}  // namespace cuda

}  // namespace mdq
