// Reductions across the threads that share a row: a warp, or a whole block of several warps.
// Lanes combine in butterflies, so every thread ends with the same value, and the combine
// order is fixed, so results are deterministic run to run. Written against the thread context
// of simt.h: the GPU kernels and the SIMT emulator's tests run the same code.
#pragma once

#include "kernels/common/simt.h"

namespace mdq {

template <class Ctx, class T, class Combine>
MDQ_SIMT T warp_reduce(Ctx& t, T v, const Combine& combine) {
    MDQ_UNROLL()
    for (int m = simt::kWarp / 2; m > 0; m >>= 1)
        v = combine(v, t.shfl_xor(v, m));
    return v;
}

// kGroup is 32 (a warp) or blockDim.x (the whole block, whole warps); smem holds kGroup / 32
// entries. With kGroup > 32 every thread of the block must call it (it synchronizes the block).
template <int kGroup, class Ctx, class T, class Combine, class Smem>
MDQ_SIMT T group_reduce(Ctx& t, T v, const Combine& combine, Smem smem) {
    static_assert(kGroup % simt::kWarp == 0, "a group is whole warps");
    v = warp_reduce(t, v, combine);
    if constexpr (kGroup > simt::kWarp) {
        if (t.lane() == 0) smem[t.warp()] = v;
        t.sync();
        v = smem[0];
        MDQ_UNROLL()
        for (int w = 1; w < kGroup / simt::kWarp; ++w)
            v = combine(v, smem[w]);
        t.sync();  // smem is reused by the caller's next row
    }
    return v;
}

}  // namespace mdq
