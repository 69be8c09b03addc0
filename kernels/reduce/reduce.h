// Reductions: sum, mean, amax, amin over dims or over everything, argmax/argmin, and sum_to
// (the un-broadcast used by the backward of broadcasting ops).
#pragma once

#include <vector>

#include "core/tensor.h"
#include "core/tensor_primitives.h"
#include "kernels/reduce/reduce_math.h"

namespace mdq {

// dims empty means every dim. Integer inputs sum into i64.
Tensor sum(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
// Gradient is shared evenly by the elements equal to the maximum (as PyTorch's amax).
Tensor amax(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const std::vector<int64_t>& dims = {}, bool keepdim = false);
// Indices (i64) of the first maximum along dim; without dim, into the flattened tensor.
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& x);
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& x);
// sum_to (x summed down to a shape it broadcasts from) is declared in core/tensor_primitives.h.

// ---------------------------------------------------------------- raw kernel
// x is contiguous and read as [outer, r, inner]; out is contiguous with outer*inner elements:
// values (times `scale` for Sum) of x's dtype (i64 for integer sums), or i64 indices for Arg*.
void reduce_into(ReduceOp op, const Tensor& x, int64_t outer, int64_t r, int64_t inner,
                 const Tensor& out, double scale = 1.0);

namespace cpu {
void reduce(ReduceOp op, const Tensor& x, int64_t outer, int64_t r, int64_t inner,
            const Tensor& out, double scale);
}
namespace cuda {
void reduce(ReduceOp op, const Tensor& x, int64_t outer, int64_t r, int64_t inner,
            const Tensor& out, double scale);
}

}  // namespace mdq
