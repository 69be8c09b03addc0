// Reductions across the threads that share a row: a warp, or a whole block of several warps.
// Lanes combine in butterflies, so every thread ends with the same value, and the combine
// order is fixed, so results are deterministic run to run.
#pragma once

#include <cuda_runtime.h>

namespace mdq::cuda {

constexpr int kWarp = 32;

// __shfl_xor_sync for any plain type made of whole 32-bit words (pairs, structs).
template <class T>
__device__ __forceinline__ T shfl_xor(const T& v, int mask) {
    static_assert(sizeof(T) % 4 == 0, "shfl_xor needs a type of whole 32-bit words");
    constexpr int kWords = sizeof(T) / 4;
    unsigned w[kWords];
    memcpy(w, &v, sizeof(T));
#pragma unroll
    for (int i = 0; i < kWords; ++i)
        w[i] = __shfl_xor_sync(0xffffffffu, w[i], mask);
    T r;
    memcpy(&r, w, sizeof(T));
    return r;
}

template <class T, class Combine>
__device__ __forceinline__ T warp_reduce(T v, const Combine& combine) {
#pragma unroll
    for (int m = kWarp / 2; m > 0; m >>= 1)
        v = combine(v, shfl_xor(v, m));
    return v;
}

// kGroup is 32 (a warp) or blockDim.x (the whole block); smem holds kGroup / 32 entries.
// With kGroup > 32 every thread of the block must call it (it synchronizes the block).
template <int kGroup, class T, class Combine>
__device__ __forceinline__ T group_reduce(T v, const Combine& combine, T* smem) {
    v = warp_reduce(v, combine);
    if constexpr (kGroup > kWarp) {
        const int warp = threadIdx.x / kWarp;
        if (threadIdx.x % kWarp == 0) smem[warp] = v;
        __syncthreads();
        v = smem[0];
#pragma unroll
        for (int w = 1; w < kGroup / kWarp; ++w)
            v = combine(v, smem[w]);
        __syncthreads();  // smem is reused by the caller's next row
    }
    return v;
}

}  // namespace mdq::cuda
