// Runs a row pass (row_pass.h) on the CPU: rows in parallel over OpenMP threads.
#pragma once

#include "kernels/common/row_pass.h"

namespace mdq::cpu {

// Rows in parallel over OpenMP threads; small blocks stay on the calling thread.
template <class Op>
void row_pass(const Op& op, const RowGeometry& g) {
    const int64_t rows = g.rows();
    const bool small = rows * g.r < (1 << 15);
#pragma omp parallel for schedule(static) if (!small)
    for (int64_t row = 0; row < rows; ++row)
        row_pass_serial(op, g, row);
}

// The CPU backend of the row-pass launch templates (*_impl.h).
struct RowPassRunner {
    template <class Op>
    static void run(const Op& op, const RowGeometry& g, Device) {
        row_pass(op, g);
    }
};

}  // namespace mdq::cpu
