// Runs a grid body (kernels/common/grid.h) on the CPU: one contiguous chunk per OpenMP thread,
// each run as a single-thread grid, or through the body's own CPU path when it has one.
#pragma once

#include <omp.h>

#include <algorithm>
#include <type_traits>
#include <utility>

#include "core/device.h"
#include "kernels/common/grid.h"

namespace mdq::cpu {

// Launches below this many elements run on the calling thread.
constexpr int64_t kParallelGrain = 1 << 15;

// Per-channel bodies: item i is element i of a [rows, cols] matrix, computed by
// e.apply(i, i % cols) (ChannelAffine, BatchNormBackwardData).
template <class E, class = void>
struct is_channel_body : std::false_type {};
template <class E>
struct is_channel_body<E, std::void_t<decltype(std::declval<const E&>().apply(0, 0))>>
    : std::true_type {};

// Elements of work in one item of a body (ColumnPartials folds many), for the threshold.
template <class E, class = void>
struct has_item_cost : std::false_type {};
template <class E>
struct has_item_cost<E, std::void_t<decltype(std::declval<const E&>().item_cost())>>
    : std::true_type {};

template <class E>
int64_t item_cost(const E& e) {
    if constexpr (has_item_cost<E>::value) {
        return e.item_cost();
    } else {
        return 1;
    }
}

// Bodies with a CPU path of their own: e.cpu_chunk(begin, end) (dense elementwise loops).
template <class E, class = void>
struct has_cpu_chunk : std::false_type {};
template <class E>
struct has_cpu_chunk<E, std::void_t<decltype(std::declval<const E&>().cpu_chunk(0, 0))>>
    : std::true_type {};

// Items [begin, end) of a grid body on one thread; per-channel bodies walk rows, so they need
// no division per element.
template <class E>
void run_chunk(const E& e, int64_t begin, int64_t end) {
    if constexpr (has_cpu_chunk<E>::value) {
        e.cpu_chunk(begin, end);
    } else if constexpr (is_channel_body<E>::value) {
        const E body = e;  // a local copy: stores through its pointers cannot change it
        int64_t i = begin, c = begin % body.cols;
        while (i < end) {
            const int64_t stop = std::min(end, i + body.cols - c);
            for (; i < stop; ++i, ++c)
                body.apply(i, c);
            c = 0;
        }
    } else {
        grid_body(GridPos{0, 0, 1, 1}, e, begin, end);
    }
}

template <class E>
void run_grid(const E& e) {
    const int64_t n = e.n, cost = item_cost(e);
    if (n == 0) return;
    if (n * cost < kParallelGrain || n == 1 || omp_get_max_threads() == 1) {
        run_chunk(e, 0, n);
        return;
    }
#pragma omp parallel
    {
        const int64_t nt = omp_get_num_threads(), t = omp_get_thread_num();
        int64_t chunk = (n + nt - 1) / nt;
        if (cost == 1) chunk = (chunk + 63) / 64 * 64;  // whole cache lines per thread
        const int64_t begin = std::min(n, t * chunk), end = std::min(n, begin + chunk);
        if (begin < end) run_chunk(e, begin, end);
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
