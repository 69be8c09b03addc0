// The bodies of the GPU reductions over [outer, r, inner] (reduce_cuda.cu), host-compilable so
// the tests run them: the rows body in the SIMT emulator (simt.h), the columns body thread by
// thread. Partials are (value in A, index) pairs so argmax splits like sum; a sink takes each
// result: partials for the next pass, or the output (scaled, converted).
#pragma once

#include <cstdint>

#include "core/hd.h"
#include "kernels/common/group_reduce.h"
#include "kernels/reduce/reduce_math.h"

namespace mdq {

// Where a pass's results go: partials for the next pass...
template <class A>
struct PartialSink {
    A* v;
    int64_t* i;
    MDQ_HD void put(int64_t j, const math::ReduceAcc<A>& a) const {
        v[j] = a.v;
        i[j] = a.i;
    }
};

// ...or the output: indices for arg ops, else the value (times scale for mean).
template <class A, class OutT>
struct OutputSink {
    OutT* out;
    bool arg;
    double scale;
    MDQ_HD void put(int64_t j, const math::ReduceAcc<A>& a) const {
        if (arg) {
            out[j] = static_cast<OutT>(a.i);
        } else if (scale != 1.0) {
            out[j] = static_cast<OutT>(static_cast<A>(static_cast<double>(a.v) * scale));
        } else {
            out[j] = static_cast<OutT>(a.v);
        }
    }
};

template <class T, class A>
MDQ_HD math::ReduceAcc<A> reduce_element(const T* x, const int64_t* xi, int64_t at, int64_t k) {
    return {static_cast<A>(x[at]), xi ? xi[at] : k};
}

constexpr int kReduceUnroll = 4;  // independent loads per thread before combining: bytes in flight

// The arguments of one pass; b in [0, outer * nchunks) is a (row, chunk of r) pair.
template <class T>
struct ReducePass {
    ReduceOp op;
    const T* x;
    const int64_t* xi;  // indices of the partials (null on the first pass)
    int64_t outer, r, inner, nchunks, chunk;
};

// inner == 1: kGroup threads (a warp, kThreads / 32 per block; or the whole block) per (row,
// chunk of r), grid-stride. Each thread loads kReduceUnroll elements kGroup apart before
// combining them. smem holds kGroup / 32 entries of math::ReduceAcc<A>.
template <class A, int kGroup, int kThreads, class Ctx, class T, class Sink, class Smem>
MDQ_SIMT void reduce_rows_body(Ctx& t, const ReducePass<T>& p, const Sink& sink, Smem smem) {
    constexpr int kPerBlock = kThreads / kGroup;
    const ReduceOp op = p.op;
    const int lane = t.thread_idx() % kGroup;
    const auto combine = [op](math::ReduceAcc<A> a, const math::ReduceAcc<A>& b) {
        math::reduce_combine(op, a, b);
        return a;
    };
    for (int64_t b = static_cast<int64_t>(t.block_idx()) * kPerBlock + t.thread_idx() / kGroup;
         b < p.outer * p.nchunks; b += static_cast<int64_t>(t.grid_dim()) * kPerBlock) {
        const int64_t row = b / p.nchunks, c = b % p.nchunks;
        const int64_t r0 = c * p.chunk, r1 = p.r < r0 + p.chunk ? p.r : r0 + p.chunk;
        math::ReduceAcc<A> a = math::reduce_identity<A>(op);
        for (int64_t k0 = r0 + lane; k0 < r1; k0 += kGroup * kReduceUnroll) {
            math::ReduceAcc<A> v[kReduceUnroll];
            MDQ_UNROLL()
            for (int u = 0; u < kReduceUnroll; ++u) {
                const int64_t k = k0 + u * kGroup;
                v[u] = k < r1 ? reduce_element<T, A>(p.x, p.xi, row * p.r + k, k)
                              : math::reduce_identity<A>(op);
            }
            MDQ_UNROLL()
            for (int u = 0; u < kReduceUnroll; ++u)
                math::reduce_combine(op, a, v[u]);
        }
        a = group_reduce<kGroup>(t, a, combine, smem);
        if (lane == 0) sink.put(b, a);
    }
}

// inner > 1: one thread per (outer, chunk of r, inner column i), coalesced across inner; the
// thread visits the pairs oc = oc0, oc0 + step, ... (blockIdx.y and gridDim.y on the GPU).
template <class A, class T, class Sink>
MDQ_HD void reduce_cols_body(const ReducePass<T>& p, const Sink& sink, int64_t i, int64_t oc0,
                             int64_t step) {
    if (i >= p.inner) return;
    for (int64_t oc = oc0; oc < p.outer * p.nchunks; oc += step) {
        const int64_t o = oc / p.nchunks, c = oc % p.nchunks;
        const int64_t r0 = c * p.chunk, r1 = p.r < r0 + p.chunk ? p.r : r0 + p.chunk;
        math::ReduceAcc<A> a = math::reduce_identity<A>(p.op);
        for (int64_t k = r0; k < r1; ++k)
            math::reduce_combine(p.op, a,
                                 reduce_element<T, A>(p.x, p.xi, (o * p.r + k) * p.inner + i, k));
        sink.put(oc * p.inner + i, a);
    }
}

}  // namespace mdq
