// cuBLAS path of matmul. The row-major product C = op(A) · op(B) is the column-major product
// Cᵀ = op(B)ᵀ · op(A)ᵀ of the same memory, so B goes first and the flags carry over unchanged.
#include "core/cuda_check.h"
#include "kernels/common/cublas_handle.h"
#include "kernels/matmul/gemm_plan.h"
#include "kernels/matmul/matmul.h"

namespace mdq::cuda {

namespace {

struct GemmTypes {
    cudaDataType_t data;
    cublasComputeType_t compute;
};

GemmTypes gemm_types(DType dt) {
    switch (dt) {
        case DType::F32:
            return {CUDA_R_32F, tf32_allowed() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F};
        case DType::F64:
            return {CUDA_R_64F, CUBLAS_COMPUTE_64F};
        case DType::BF16:
            return {CUDA_R_16BF, CUBLAS_COMPUTE_32F};
        case DType::F16:
            return {CUDA_R_16F, CUBLAS_COMPUTE_32F};
        default:
            detail::throw_unsupported_dtype("matmul", dt);
    }
}

cublasOperation_t blas_op(bool trans) {
    return trans ? CUBLAS_OP_T : CUBLAS_OP_N;
}

int as_int(int64_t v) {
    return static_cast<int>(v);
}  // plan_gemm checked the range

}  // namespace

void matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, const Tensor& out) {
    const GemmPlan p = plan_gemm(a, b, trans_a, trans_b, out);
    const GemmTypes t = gemm_types(a.dtype());
    // Scale factors are host values of the compute type: double for f64, float otherwise.
    const double one_d = 1.0, zero_d = 0.0;
    const float one_f = 1.0f, zero_f = 0.0f;
    const bool f64 = t.compute == CUBLAS_COMPUTE_64F;
    const void* alpha = f64 ? static_cast<const void*>(&one_d) : &one_f;
    const void* beta = f64 ? static_cast<const void*>(&zero_d) : &zero_f;
    const cublasHandle_t h = cublas_handle(out.device());
    const void* pa = p.a.data.raw_data();
    const void* pb = p.b.data.raw_data();
    void* pc = out.raw_data();
    if (p.batch == 1) {
        CHECK_CUBLAS(cublasGemmEx(h, blas_op(p.b.trans), blas_op(p.a.trans), as_int(p.n),
                                  as_int(p.m), as_int(p.k), alpha, pb, t.data, as_int(p.b.ld), pa,
                                  t.data, as_int(p.a.ld), beta, pc, t.data, as_int(p.ldc),
                                  t.compute, CUBLAS_GEMM_DEFAULT));
        return;
    }
    CHECK_CUBLAS(cublasGemmStridedBatchedEx(
        h, blas_op(p.b.trans), blas_op(p.a.trans), as_int(p.n), as_int(p.m), as_int(p.k), alpha, pb,
        t.data, as_int(p.b.ld), p.b.batch_stride, pa, t.data, as_int(p.a.ld), p.a.batch_stride,
        beta, pc, t.data, as_int(p.ldc), p.batch_stride_c, as_int(p.batch), t.compute,
        CUBLAS_GEMM_DEFAULT));
}

}  // namespace mdq::cuda
