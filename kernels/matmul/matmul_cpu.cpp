// OpenBLAS path of matmul: one row-major GEMM per batch entry; bf16/f16 go through f32.
#include "kernels/common/cpu_gemm.h"
#include "kernels/copy/copy.h"
#include "kernels/matmul/gemm_plan.h"
#include "kernels/matmul/matmul.h"

namespace mdq::cpu {

namespace {

// cpu::gemm splits each product over the OpenMP threads (single-threaded OpenBLAS inside).
template <class T>
void batched_gemm(const GemmPlan& p, const Tensor& out) {
    const T* a = p.a.data.data<T>();
    const T* b = p.b.data.data<T>();
    T* c = out.data<T>();
    for (int64_t i = 0; i < p.batch; ++i)
        gemm(p.a.trans, p.b.trans, p.m, p.n, p.k, a + i * p.a.batch_stride, p.a.ld,
             b + i * p.b.batch_stride, p.b.ld, T(0), c + i * p.batch_stride_c, p.ldc);
}

}  // namespace

void matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, const Tensor& out) {
    switch (a.dtype()) {
        case DType::F32:
            return batched_gemm<float>(plan_gemm(a, b, trans_a, trans_b, out), out);
        case DType::F64:
            return batched_gemm<double>(plan_gemm(a, b, trans_a, trans_b, out), out);
        case DType::BF16:
        case DType::F16: {
            const Tensor c = Tensor::empty(out.shape(), DType::F32, out.device());
            matmul(a.detach().to(DType::F32), b.detach().to(DType::F32), trans_a, trans_b, c);
            copy_tensor(out, c);
            return;
        }
        default:
            detail::throw_unsupported_dtype("matmul", a.dtype());
    }
}

}  // namespace mdq::cpu
