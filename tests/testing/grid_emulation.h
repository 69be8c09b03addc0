// Runs a grid body (docs/DESIGN.md decision 2) on the CPU for a real CUDA launch shape, thread by
// thread, so tests check the index arithmetic of the GPU path on machines without a GPU.
#pragma once

#include <cstdint>

#include "kernels/common/grid.h"

namespace mdq::testing {

template <class E>
void emulate_grid(const E& e, int64_t blocks, int64_t threads) {
    for (int64_t b = 0; b < blocks; ++b)
        for (int64_t t = 0; t < threads; ++t)
            grid_body(GridPos{b, t, threads, blocks}, e, 0, e.n);
}

}  // namespace mdq::testing
