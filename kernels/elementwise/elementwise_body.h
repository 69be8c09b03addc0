// The body (grid_body) of every elementwise kernel, written once for the CPU and the GPU (DESIGN.md
// decision 2). It is a function of the (block, thread) position in a grid: the CUDA kernel
// passes its real grid, the CPU runs it as one thread per contiguous chunk, and a test runs a
// real grid shape thread by thread on the CPU to check the index arithmetic of the CUDA path.
#pragma once

#include <cstdint>
#include <cstring>

#include "core/dtype.h"
#include "core/hd.h"
#include "kernels/elementwise/offset_calc.h"

namespace mdq {

struct GridPos {
    int64_t block, thread, block_dim, grid_dim;
};

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
        constexpr int V = vec_width<In>();
        const int64_t nvec = (end - begin) / V;
        for (int64_t k = tid; k < nvec; k += nth) {
            const int64_t i = begin + k * V;
            Vec<In, V> x[NIN];
            for (int a = 0; a < NIN; ++a)
                x[a] = load_vec<In, V>(e.in[a] + i);
            Vec<Out, V> y;
            for (int j = 0; j < V; ++j) {
                A v[NIN];
                for (int a = 0; a < NIN; ++a)
                    v[a] = static_cast<A>(x[a].v[j]);
                y.v[j] = static_cast<Out>(e.f(v));
            }
            store_vec<Out, V>(e.out + i, y);
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

// Work items of a launch: vectors in the Vectorized layout, elements otherwise.
template <class Out, class In, int NIN, class F>
MDQ_HD int64_t grid_work(const Elementwise<Out, In, NIN, F>& e) {
    return e.layout == Layout::Vectorized ? (e.n + vec_width<In>() - 1) / vec_width<In>() : e.n;
}

}  // namespace mdq
