// Runs a grid body (elementwise, generate, ...) on the CPU: one contiguous chunk per OpenMP
// thread, each run as a single-thread grid.
#pragma once

#include <omp.h>

#include <algorithm>

#include "core/device.h"
#include "kernels/elementwise/elementwise_body.h"

namespace mdq::cpu {

// Launches below this many elements run on the calling thread.
constexpr int64_t kParallelGrain = 1 << 15;

template <class E>
void run_grid(const E& e) {
    const int64_t n = e.n;
    if (n == 0) return;
    const GridPos one{0, 0, 1, 1};
    if (n < kParallelGrain || omp_get_max_threads() == 1) {
        grid_body(one, e, 0, n);
        return;
    }
#pragma omp parallel
    {
        const int64_t nt = omp_get_num_threads(), t = omp_get_thread_num();
        const int64_t chunk = ((n + nt - 1) / nt + 63) / 64 * 64;  // keeps vector alignment
        const int64_t begin = std::min(n, t * chunk), end = std::min(n, begin + chunk);
        if (begin < end) grid_body(one, e, begin, end);
    }
}

// The CPU backend of the *_impl.h launch templates.
struct Runner {
    template <class E>
    static void run(const E& e, Device) {
        run_grid(e);
    }
};

}  // namespace mdq::cpu
