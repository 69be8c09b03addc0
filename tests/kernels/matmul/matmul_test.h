// The matmul cases shared by matmul_test.cpp and matmul_cuda_test.cpp: batch layouts, stored
// operand shapes, the f32 tolerance.
#pragma once

#include "tests/testing/test_util.h"

namespace mdq::matmul_test {

// The stored shape of an operand of logical shape [rows, cols] (plus batch) under a flag.
inline Shape stored(int64_t batch, int64_t rows, int64_t cols, bool trans) {
    Shape s = trans ? Shape{cols, rows} : Shape{rows, cols};
    if (batch > 0) s.insert(s.begin(), batch);
    return s;
}

// f32 GEMM error grows with k; a wrong element is off by O(1).
inline double f32_tol(int64_t k) {
    return 5e-7 * static_cast<double>(k) + 1e-6;
}

struct Case {
    int64_t batch_a, batch_b;  // 0: a 2-D operand
};

inline const Case kCases[] = {{0, 0}, {4, 4}, {0, 3}, {3, 0}};

}  // namespace mdq::matmul_test
