// Formulas of the activation quantizers (docs/QUANTIZATION.md, "Low-bit activations"), shared by
// the CPU reference and the CUDA kernel. All three normalise x onto [0, 1] by an interval
// [l, u], round to L uniform levels and differ in the output and in which ends are learned:
//   x_n = clamp((x - l) / (u - l), 0, 1),   x_q = rint(x_n (L - 1)) / (L - 1)
//   DoReFa   l = 0, u = 1 fixed            y = x_q                 (clip(x, 0, 1), quantize_k)
//   Uniform  l = 0, u = alpha (PACT clip)  y = alpha x_q
//   EWGS     l, u learned                  y = x_q in [0, 1]
// Backward: the rounding passes g_xn = g_xq (1 + delta sign(g_xq) (x_n - x_q)) (EWGS; delta = 0
// is the straight-through estimator), then the normalisation by the chain rule, 0 outside
// [l, u] (clamp's gradient, inclusive at the ends as PyTorch's clamp). An interval that an
// update left empty or inverted is used as [l, l + kMinActRange] (the gradient of that upper
// end reaches u), so the kernels never divide by zero and never wait on the host to check.
#pragma once

#include <math.h>

#include <cstdint>

#include "core/dtype.h"
#include "core/hd.h"
#include "kernels/common/grid.h"
#include "kernels/common/scalar_math.h"

namespace mdq {

enum class ActQuantKind : uint8_t { DoReFa, Uniform, Ewgs };

namespace math {

constexpr double kMinActRange = 1e-3;

// Rounding to L levels on [0, 1]; half-to-even like torch.round and the authors' tf.round.
template <class A>
MDQ_HD A unit_quantize(A xn, int levels) {
    const A s = static_cast<A>(levels - 1);
    return rint(xn * s) / s;
}

template <class A>
MDQ_HD A unit_normalize(A x, A lo, A hi) {
    const A t = (x - lo) / (hi - lo);
    return t < A(0) ? A(0) : (t > A(1) ? A(1) : t);
}

template <class A>
MDQ_HD A act_quant_value(ActQuantKind kind, A x, A lo, A hi, int levels) {
    const A xq = unit_quantize(unit_normalize(x, lo, hi), levels);
    return kind == ActQuantKind::Uniform ? lo + (hi - lo) * xq : xq;
}

template <class A>
MDQ_HD A sign_of(A g) {
    return g > A(0) ? A(1) : (g < A(0) ? A(-1) : A(0));
}

// EWGS's element-wise gradient scaling of the rounding step (delta = 0: STE).
template <class A>
MDQ_HD A ewgs_scale(A g_xq, A xn, A xq, A delta) {
    return g_xq * (A(1) + delta * sign_of(g_xq) * (xn - xq));
}

template <class A>
struct ActQuantGrads {
    A x, lo, hi;
};

// Gradients of one element with respect to x, l and u for the upstream gradient g.
template <class A>
MDQ_HD ActQuantGrads<A> act_quant_grads(ActQuantKind kind, A x, A lo, A hi, int levels, A delta,
                                        A g) {
    const A range = hi - lo;
    const A xn = unit_normalize(x, lo, hi), xq = unit_quantize(xn, levels);
    const bool uniform = kind == ActQuantKind::Uniform;
    const A g_xn = ewgs_scale(uniform ? g * range : g, xn, xq, delta);
    // Uniform's y = l + (u - l) x_q differentiated with x_q held at x_n (straight-through):
    // inside the clip the ends cancel (PACT: dy/d alpha = 1 above alpha, 0 below).
    ActQuantGrads<A> r{A(0), uniform ? g * (A(1) - xn) : A(0), uniform ? g * xn : A(0)};
    if (x >= lo && x <= hi) {
        r.x = g_xn / range;
        r.lo += g_xn * (xn - A(1)) / range;
        r.hi -= g_xn * xn / range;
    }
    return r;
}

}  // namespace math

// The interval of one launch: device pointers to the scalars l and u in the accumulation
// dtype, or null for the fixed ends (l = 0, u = 1), so the kernel never waits on the host.
template <class A>
struct ActQuantInterval {
    const A* lo = nullptr;
    const A* hi = nullptr;
    MDQ_HD A low() const { return lo ? *lo : A(0); }
    MDQ_HD A high() const {
        const A h = hi ? *hi : A(1), floor = low() + static_cast<A>(math::kMinActRange);
        return h > floor ? h : floor;
    }
};

template <class T>
struct ActQuantForward {
    ActQuantKind kind;
    int levels;
    ActQuantInterval<acc_t<T>> iv;
    const T* x;
    T* y;
    int64_t n;
};

template <class T>
MDQ_HD void grid_body(const GridPos& p, const ActQuantForward<T>& e, int64_t begin, int64_t end) {
    using A = acc_t<T>;
    const A lo = e.iv.low(), hi = e.iv.high();
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    for (int64_t i = begin + tid; i < end; i += nth)
        e.y[i] =
            static_cast<T>(math::act_quant_value(e.kind, static_cast<A>(e.x[i]), lo, hi, e.levels));
}

template <class T>
MDQ_HD int64_t grid_work(const ActQuantForward<T>& e) {
    return e.n;
}

// dx per element, and the per-element terms of dl and du (summed by the dispatcher) where
// those pointers are set.
template <class T>
struct ActQuantBackward {
    ActQuantKind kind;
    int levels;
    acc_t<T> delta;
    ActQuantInterval<acc_t<T>> iv;
    const T* x;
    const T* dy;
    T* dx;
    acc_t<T>* dlo;
    acc_t<T>* dhi;
    int64_t n;
};

template <class T>
MDQ_HD void grid_body(const GridPos& p, const ActQuantBackward<T>& e, int64_t begin, int64_t end) {
    using A = acc_t<T>;
    const A lo = e.iv.low(), hi = e.iv.high();
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    for (int64_t i = begin + tid; i < end; i += nth) {
        const math::ActQuantGrads<A> g = math::act_quant_grads(
            e.kind, static_cast<A>(e.x[i]), lo, hi, e.levels, e.delta, static_cast<A>(e.dy[i]));
        e.dx[i] = static_cast<T>(g.x);
        if (e.dlo) e.dlo[i] = g.lo;
        if (e.dhi) e.dhi[i] = g.hi;
    }
}

template <class T>
MDQ_HD int64_t grid_work(const ActQuantBackward<T>& e) {
    return e.n;
}

}  // namespace mdq
