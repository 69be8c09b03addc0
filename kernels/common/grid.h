// The grid runtime every barrier-free kernel body is written against (docs/DESIGN.md
// decision 2). A grid body is an MDQ_HD function `grid_body(GridPos, body, begin, end)` of its
// (block, thread) position, plus `grid_work(body)`, the threads a launch can keep busy: the CUDA
// kernel (grid_cuda.cuh) passes its real grid, the CPU runner (grid_cpu.h) runs one
// single-thread grid per contiguous chunk, and a test runs a real grid shape thread by thread on
// the CPU (tests/testing/grid_emulation.h) to check the index arithmetic of the CUDA path.
#pragma once

#include <cstdint>
#include <cstring>

#include "core/hd.h"

namespace mdq {

struct GridPos {
    int64_t block, thread, block_dim, grid_dim;
};

// Threads per block of a grid-body launch (grid_cuda.cuh).
constexpr int kGridThreads = 256;

// Blocks of a grid-stride launch over `work` items, `threads` per block: one thread per item,
// at most `cap` (the blocks the GPU holds at once: one full wave), at least one. The CUDA
// launchers (cuda_utils.cuh grid_for) and the grid-emulation tests share this arithmetic.
inline int64_t grid_blocks(int64_t work, int64_t threads, int64_t cap) {
    const int64_t need = (work + threads - 1) / threads;
    const int64_t g = need < cap ? need : cap;
    return g > 0 ? g : 1;
}

template <class T, int V>
struct alignas(sizeof(T) * V) Vec {
    T v[V];
};

template <class T, int V>
MDQ_HD Vec<T, V> load_vec(const T* p) {
#if MDQ_DEVICE_PASS
    return *reinterpret_cast<const Vec<T, V>*>(p);
#else
    Vec<T, V> r;
    std::memcpy(&r, p, sizeof r);
    return r;
#endif
}

template <class T, int V>
MDQ_HD void store_vec(T* p, const Vec<T, V>& x) {
#if MDQ_DEVICE_PASS
    *reinterpret_cast<Vec<T, V>*>(p) = x;
#else
    std::memcpy(p, &x, sizeof x);
#endif
}

}  // namespace mdq
