// Row-major GEMM for mdq's CPU kernels: C = op(A) op(B) + beta C with OpenBLAS, split across
// the OpenMP threads (by rows of C, or by columns when C is wide and short), one
// single-threaded OpenBLAS call per piece. mdq's CPU kernels parallelise with OpenMP, and
// OpenBLAS's own thread pool would fight it: both spin-wait between calls, so on a small
// machine every OpenMP region after a GEMM (and every GEMM after a region) ran up to ten times
// slower. The first call therefore sets OpenBLAS to one thread for the whole process.
#pragma once

#include <cstdint>

namespace mdq::cpu {

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const double* a, int64_t lda,
          const double* b, int64_t ldb, double beta, double* c, int64_t ldc);

}  // namespace mdq::cpu
