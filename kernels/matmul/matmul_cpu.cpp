// OpenBLAS path of matmul: one row-major GEMM per batch entry; bf16/f16 go through f32.
#include <cblas.h>

#include "kernels/copy/copy.h"
#include "kernels/matmul/gemm_plan.h"
#include "kernels/matmul/matmul.h"

namespace mdq::cpu {

namespace {

CBLAS_TRANSPOSE blas_op(bool trans) {
    return trans ? CblasTrans : CblasNoTrans;
}

void blas_gemm(const GemmPlan& p, const float* a, const float* b, float* c) {
    cblas_sgemm(CblasRowMajor, blas_op(p.a.trans), blas_op(p.b.trans), static_cast<int>(p.m),
                static_cast<int>(p.n), static_cast<int>(p.k), 1.0f, a, static_cast<int>(p.a.ld), b,
                static_cast<int>(p.b.ld), 0.0f, c, static_cast<int>(p.ldc));
}

void blas_gemm(const GemmPlan& p, const double* a, const double* b, double* c) {
    cblas_dgemm(CblasRowMajor, blas_op(p.a.trans), blas_op(p.b.trans), static_cast<int>(p.m),
                static_cast<int>(p.n), static_cast<int>(p.k), 1.0, a, static_cast<int>(p.a.ld), b,
                static_cast<int>(p.b.ld), 0.0, c, static_cast<int>(p.ldc));
}

template <class T>
void gemm(const GemmPlan& p, const Tensor& out) {
    const T* a = p.a.data.data<T>();
    const T* b = p.b.data.data<T>();
    T* c = out.data<T>();
    for (int64_t i = 0; i < p.batch; ++i)
        blas_gemm(p, a + i * p.a.batch_stride, b + i * p.b.batch_stride, c + i * p.batch_stride_c);
}

}  // namespace

void matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, const Tensor& out) {
    switch (a.dtype()) {
        case DType::F32:
            return gemm<float>(plan_gemm(a, b, trans_a, trans_b, out), out);
        case DType::F64:
            return gemm<double>(plan_gemm(a, b, trans_a, trans_b, out), out);
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
