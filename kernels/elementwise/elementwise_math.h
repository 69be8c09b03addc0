// The body (grid_body) of every elementwise kernel, written once for the CPU and the GPU
// (docs/DESIGN.md decision 2) on the grid runtime of kernels/common/grid.h.
#pragma once

#include <cstdint>
#include "core/dtype.h"
#include "core/hd.h"
#include "kernels/common/grid.h"
#include "kernels/common/offset_calc.h"

namespace mdq {

enum class Layout : uint8_t {
    Strided,     // offsets through the OffsetCalc
    Contiguous,  // every operand dense with the output's shape
    Vectorized,  // contiguous and every pointer aligned for 16-byte accesses
};

// Elements per vector access: 16 bytes of the input type.
template <class In>
constexpr int vec_width() {
    return static_cast<int>(16 / sizeof(In));
}

// Vectors a thread loads before it computes: 64 bytes of input in flight per thread (an H100
// needs ~2 MB in flight to stay at full bandwidth) in at most 16 registers, so occupancy does
// not drop; with three or more inputs one vector each is already enough.
template <int NIN>
constexpr int vec_unroll() {
    return NIN <= 1 ? 4 : (NIN == 2 ? 2 : 1);
}

// One output of type Out from NIN inputs of type In. F is called with the inputs converted to
// acc_t<In> (float for bf16/f16) and its result is converted to Out.
template <class Out, class In, int NIN, class F>
struct Elementwise {
    F f;
    Out* out;
    const In* in[NIN];
    OffsetCalc<NIN + 1> calc;  // operand 0 is the output
    int64_t n;
    Layout layout;

    // The CPU runner's path for items [begin, end): dense operands take a plain loop over the
    // same formula instead of the 16-byte vector records, which the compiler vectorizes for
    // the CPU's own width.
    void cpu_chunk(int64_t begin, int64_t end) const;
};

template <class Out, class In, int NIN, class F>
MDQ_HD void grid_body(const GridPos& p, const Elementwise<Out, In, NIN, F>& e, int64_t begin,
                      int64_t end) {
    using A = acc_t<In>;
    const int64_t tid = p.block * p.block_dim + p.thread;
    const int64_t nth = p.block_dim * p.grid_dim;
    if (e.layout == Layout::Strided) {
        for (int64_t i = begin + tid; i < end; i += nth) {
            int64_t off[NIN + 1];
            e.calc.get(i, off);
            A v[NIN];
            for (int a = 0; a < NIN; ++a)
                v[a] = static_cast<A>(e.in[a][off[a + 1]]);
            e.out[off[0]] = static_cast<Out>(e.f(v));
        }
        return;
    }
    int64_t tail = begin;
    if (e.layout == Layout::Vectorized) {
        constexpr int V = vec_width<In>(), U = vec_unroll<NIN>();
        const int64_t nvec = (end - begin) / V;
        // Thread tid handles vectors tid, tid + nth, ..., U at a time: all loads, then all math.
        for (int64_t k0 = tid; k0 < nvec; k0 += nth * U) {
            Vec<In, V> x[U][NIN];
            for (int u = 0; u < U; ++u) {
                const int64_t k = k0 + u * nth;
                if (k < nvec)
                    for (int a = 0; a < NIN; ++a)
                        x[u][a] = load_vec<In, V>(e.in[a] + begin + k * V);
            }
            for (int u = 0; u < U; ++u) {
                const int64_t k = k0 + u * nth;
                if (k >= nvec) break;
                Vec<Out, V> y;
                for (int j = 0; j < V; ++j) {
                    A v[NIN];
                    for (int a = 0; a < NIN; ++a)
                        v[a] = static_cast<A>(x[u][a].v[j]);
                    y.v[j] = static_cast<Out>(e.f(v));
                }
                store_vec<Out, V>(e.out + begin + k * V, y);
            }
        }
        tail = begin + nvec * V;
    }
    for (int64_t i = tail + tid; i < end; i += nth) {
        A v[NIN];
        for (int a = 0; a < NIN; ++a)
            v[a] = static_cast<A>(e.in[a][i]);
        e.out[i] = static_cast<Out>(e.f(v));
    }
}

// Threads a launch can keep busy: one per U vectors in the Vectorized layout, else one per element.
template <class Out, class In, int NIN, class F>
MDQ_HD int64_t grid_work(const Elementwise<Out, In, NIN, F>& e) {
    constexpr int64_t per_thread = vec_width<In>() * vec_unroll<NIN>();
    return e.layout == Layout::Vectorized ? (e.n + per_thread - 1) / per_thread : e.n;
}

template <class Out, class In, int NIN, class F>
void Elementwise<Out, In, NIN, F>::cpu_chunk(int64_t begin, int64_t end) const {
    if (layout == Layout::Strided) {
        grid_body(GridPos{0, 0, 1, 1}, *this, begin, end);
        return;
    }
    using A = acc_t<In>;
    const F fn = f;
    Out* o = out;
    const In* x[NIN];
    for (int a = 0; a < NIN; ++a)
        x[a] = in[a];
    for (int64_t i = begin; i < end; ++i) {
        A v[NIN];
        for (int a = 0; a < NIN; ++a)
            v[a] = static_cast<A>(x[a][i]);
        o[i] = static_cast<Out>(fn(v));
    }
}

}  // namespace mdq
