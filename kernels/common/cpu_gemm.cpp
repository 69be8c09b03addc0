#include "kernels/common/cpu_gemm.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <mutex>

namespace mdq::cpu {

namespace {

// Below this many multiply-adds one call on the calling thread is faster than a region.
constexpr double kParallelWork = double(1 << 20);

void blas(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0f, a,
                static_cast<int>(lda), b, static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}

void blas(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const double* a, int64_t lda,
          const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0, a,
                static_cast<int>(lda), b, static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}

template <class T>
void split_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda,
                const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
    static std::once_flag single;
    std::call_once(single, [] { openblas_set_num_threads(1); });
    const int64_t threads = omp_get_max_threads();
    const double work = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
    const bool by_rows = m >= n;
    const int64_t parts = std::min<int64_t>(threads, by_rows ? m : n);
    if (parts <= 1 || work < kParallelWork || omp_in_parallel()) {
        blas(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    // Each piece writes its own block of C: no reduction, so the result is deterministic.
#pragma omp parallel for schedule(static) num_threads(static_cast <int>(parts))
    for (int64_t p = 0; p < parts; ++p) {
        const int64_t len = by_rows ? m : n;
        const int64_t lo = len * p / parts, hi = len * (p + 1) / parts;
        if (by_rows) {
            const T* ap = ta ? a + lo : a + lo * lda;
            blas(ta, tb, hi - lo, n, k, ap, lda, b, ldb, beta, c + lo * ldc, ldc);
        } else {
            const T* bp = tb ? b + lo * ldb : b + lo;
            blas(ta, tb, m, hi - lo, k, a, lda, bp, ldb, beta, c + lo, ldc);
        }
    }
}

}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
    split_gemm(trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc);
}

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const double* a, int64_t lda,
          const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
    split_gemm(trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace mdq::cpu
