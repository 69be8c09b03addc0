// How a (batched) row-major product C = op(A) · op(B) maps onto BLAS, shared by the OpenBLAS
// and cuBLAS paths: for each operand the transpose flag and leading dimension its strides
// allow (a dense copy when they allow none), and batch strides (0 broadcasts one matrix).
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace mdq {

struct GemmOperand {
    Tensor data;         // the operand, or a dense copy of it
    bool trans = false;  // BLAS flag for the row-major matrix stored at data
    int64_t ld = 1;      // its leading dimension
    int64_t batch_stride = 0;
};

struct GemmPlan {
    int64_t batch = 1, m = 0, n = 0, k = 0;
    GemmOperand a, b;
    int64_t ldc = 1, batch_stride_c = 0;  // of the contiguous output
};

// Requires arguments that matmul_into has checked: out contiguous with the product's shape.
// Throws when a size exceeds BLAS's 32-bit integers.
GemmPlan plan_gemm(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, const Tensor& out);

}  // namespace mdq
