// Binary elementwise ops with NumPy broadcasting (add, sub, mul, div, maximum, minimum),
// comparisons (u8 results), where, and the Tensor operators.
#pragma once

#include "core/tensor.h"
#include "core/tensor_primitives.h"
#include "kernels/elementwise/binary_math.h"

namespace mdq {

// ---------------------------------------------------------------- differentiable ops
// add (a + alpha*b) is declared in core/tensor_primitives.h.
Tensor sub(const Tensor& a, const Tensor& b, double alpha = 1.0);  // a - alpha*b
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
// cond is u8 (nonzero = take a); cond, a and b broadcast together.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

// ---------------------------------------------------------------- comparisons (u8, no grad)
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);

// ---------------------------------------------------------------- in place, not recorded
// add_ (dst += alpha * src) is declared in core/tensor_primitives.h.

// ---------------------------------------------------------------- raw kernels
void binary_forward_into(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out,
                         double alpha = 1.0);
// Gradient for input `which` at the broadcast (output) shape; the caller reduces it.
void binary_grad_into(BinaryOp op, int which, const Tensor& a, const Tensor& b, const Tensor& dy,
                      const Tensor& out);
void compare_into(CompareOp op, const Tensor& a, const Tensor& b, const Tensor& out);
// cond has a's dtype here (converted by where()).
void where_into(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out);

namespace cuda {
void binary_forward(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out, double alpha);
void binary_grad(BinaryOp op, int which, const Tensor& a, const Tensor& b, const Tensor& dy,
                 const Tensor& out);
void compare(CompareOp op, const Tensor& a, const Tensor& b, const Tensor& out);
void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out);
}  // namespace cuda

// ---------------------------------------------------------------- operators
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor operator+(const Tensor& a, double s);
Tensor operator+(double s, const Tensor& a);
Tensor operator-(const Tensor& a, double s);
Tensor operator-(double s, const Tensor& a);
Tensor operator*(const Tensor& a, double s);
Tensor operator*(double s, const Tensor& a);
Tensor operator/(const Tensor& a, double s);
Tensor operator/(double s, const Tensor& a);

}  // namespace mdq
