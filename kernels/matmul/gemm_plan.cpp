#include "kernels/matmul/gemm_plan.h"

#include <algorithm>
#include <limits>

namespace mdq {

namespace {

// The stored [rows, cols] matrix (per batch) as BLAS sees it: row-major when the columns are
// dense, column-major (= the row-major transpose, so the flag flips) when the rows are dense.
// Size-1 dims may have any stride; BLAS still wants ld >= max(1, row length).
GemmOperand plan_operand(const Tensor& x, bool trans) {
    const int64_t rows = x.size(-2), cols = x.size(-1);
    const int64_t rs = x.stride(-2), cs = x.stride(-1);
    const bool batched = x.dim() == 3 && x.size(0) > 1;
    const int64_t bs = batched ? x.stride(0) : 0;
    if ((cols == 1 || cs == 1) && (rows == 1 || rs >= std::max<int64_t>(1, cols)))
        return {x, trans, rows == 1 ? std::max<int64_t>(1, cols) : rs, bs};
    if ((rows == 1 || rs == 1) && (cols == 1 || cs >= std::max<int64_t>(1, rows)))
        return {x, !trans, cols == 1 ? std::max<int64_t>(1, rows) : cs, bs};
    return {x.detach().contiguous(), trans, std::max<int64_t>(1, cols), batched ? rows * cols : 0};
}

}  // namespace

GemmPlan plan_gemm(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b,
                   const Tensor& out) {
    GemmPlan p;
    p.m = a.size(trans_a ? -1 : -2);
    p.k = a.size(trans_a ? -2 : -1);
    p.n = b.size(trans_b ? -2 : -1);
    p.batch = out.dim() == 3 ? out.size(0) : 1;
    p.a = plan_operand(a, trans_a);
    p.b = plan_operand(b, trans_b);
    p.ldc = std::max<int64_t>(1, p.n);
    p.batch_stride_c = p.m * p.n;
    constexpr int64_t kMax = std::numeric_limits<int>::max();
    MDQ_CHECK(std::max({p.batch, p.m, p.n, p.k, p.a.ld, p.b.ld}) <= kMax, "matmul: ", a.str(),
              " and ", b.str(), " exceed the 32-bit sizes of BLAS");
    return p;
}

}  // namespace mdq
