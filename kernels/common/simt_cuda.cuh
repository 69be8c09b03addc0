// The GPU's thread context (simt.h): each method is one CUDA builtin, force-inlined, and the
// type holds nothing, so a body written against it compiles to the builtins themselves.
#pragma once

#include <cuda_runtime.h>

#include "kernels/common/simt.h"

namespace mdq::cuda {

struct CudaThread {
    __device__ __forceinline__ unsigned thread_idx() const { return threadIdx.x; }
    __device__ __forceinline__ unsigned block_dim() const { return blockDim.x; }
    __device__ __forceinline__ unsigned block_idx() const { return blockIdx.x; }
    __device__ __forceinline__ unsigned grid_dim() const { return gridDim.x; }
    __device__ __forceinline__ unsigned lane() const { return threadIdx.x % simt::kWarp; }
    __device__ __forceinline__ unsigned warp() const { return threadIdx.x / simt::kWarp; }

    __device__ __forceinline__ void sync() const { __syncthreads(); }
    __device__ __forceinline__ void syncwarp(unsigned mask = simt::kFullMask) const {
        __syncwarp(mask);
    }
    __device__ __forceinline__ unsigned ballot(bool p, unsigned mask = simt::kFullMask) const {
        return __ballot_sync(mask, p);
    }
    __device__ __forceinline__ void fence() const { __threadfence(); }

    // Shuffles move any plain type word by word (pairs, structs).
    template <class T>
    __device__ __forceinline__ T shfl_xor(const T& v, int lane_mask,
                                          unsigned mask = simt::kFullMask) const {
        return shuffle(v, [&](unsigned w) { return __shfl_xor_sync(mask, w, lane_mask); });
    }
    template <class T>
    __device__ __forceinline__ T shfl_down(const T& v, int delta,
                                           unsigned mask = simt::kFullMask) const {
        return shuffle(v, [&](unsigned w) { return __shfl_down_sync(mask, w, delta); });
    }

    template <class T>
    __device__ __forceinline__ T atomic_add(T& target, T v) const {
        return atomicAdd(&target, v);
    }
    template <class T>
    __device__ __forceinline__ T atomic_min(T& target, T v) const {
        return atomicMin(&target, v);
    }

  private:
    template <class T, class Move>
    __device__ __forceinline__ static T shuffle(const T& v, const Move& move) {
        static_assert(sizeof(T) % 4 == 0, "shuffles need a type of whole 32-bit words");
        constexpr int kWords = sizeof(T) / 4;
        unsigned w[kWords];
        memcpy(w, &v, sizeof(T));
#pragma unroll
        for (int i = 0; i < kWords; ++i)
            w[i] = move(w[i]);
        T r;
        memcpy(&r, w, sizeof(T));
        return r;
    }
};

}  // namespace mdq::cuda
