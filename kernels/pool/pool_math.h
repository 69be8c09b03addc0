// 2-D pooling on NHWC activations: max (with the argmax saved for backward), average with fixed
// windows (PyTorch's count_include_pad rule) and adaptive average (PyTorch's window rule). The
// backward passes gather per input element over the outputs whose window holds it, so they
// need no atomics. All bodies are grid bodies shared by CPU and CUDA; the per-window formulas
// below (pool_max_step, pool_divide, pool_divisor) are also what the CPU fast paths of
// pool_cpu.cpp call, so the two cannot drift apart.
#pragma once

#include <cstdint>
#include <limits>

#include "core/hd.h"
#include "kernels/common/scalar_math.h"
#include "kernels/common/grid.h"

namespace mdq {

enum class PoolKind : uint8_t { Max, Avg, AdaptiveAvg };

// Input [n, h, w, c], output [n, oh, ow, c]; the k/s/p fields are unused by AdaptiveAvg.
struct PoolGeometry {
    PoolKind kind = PoolKind::Max;
    int64_t n = 0, h = 0, w = 0, c = 0, oh = 0, ow = 0;
    int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0;
    bool count_include_pad = true;
};

namespace math {

// (n, y, x, c) of element i of an NHWC tensor [.., h, w, c], with three divisions.
MDQ_HD void split_nhwc(int64_t i, int64_t h, int64_t w, int64_t c, int64_t& n, int64_t& y,
                       int64_t& x, int64_t& ch) {
    const int64_t pixel = i / c, row = pixel / w;
    ch = i - pixel * c;
    x = pixel - row * w;
    n = row / h;
    y = row - n * h;
}

// Window [start, end) of output o along one axis of length in (out outputs), clipped to the
// input; span is the divisor share of count_include_pad (the window clipped to the padding).
struct Window {
    int64_t start, end, span;
};

MDQ_HD Window pool_window(bool adaptive, int64_t o, int64_t in, int64_t out, int64_t k, int64_t s,
                          int64_t p) {
    if (adaptive) {
        const int64_t start = o * in / out, end = ((o + 1) * in + out - 1) / out;
        return {start, end, end - start};
    }
    const int64_t start = o * s - p;
    const int64_t end = start + k < in + p ? start + k : in + p;
    return {start > 0 ? start : 0, end < in ? end : in, end - start};
}

// Outputs [lo, hi) whose window may hold input i (a superset for fixed windows with padding
// clipped away; callers test membership).
MDQ_HD void pool_outputs_of(bool adaptive, int64_t i, int64_t in, int64_t out, int64_t k, int64_t s,
                            int64_t p, int64_t& lo, int64_t& hi) {
    if (adaptive) {
        lo = i * out / in;
        hi = ((i + 1) * out + in - 1) / in;
    } else {
        lo = i + p < k ? 0 : (i + p - k) / s + 1;
        hi = (i + p) / s + 1;
    }
    if (hi > out) hi = out;
}

// The divisor of an average window: PyTorch's count_include_pad rule for fixed windows.
MDQ_HD int64_t pool_divisor(const PoolGeometry& g, const Window& wy, const Window& wx) {
    const bool padded = g.kind == PoolKind::Avg && g.count_include_pad;
    return padded ? wy.span * wx.span : (wy.end - wy.start) * (wx.end - wx.start);
}

// One step of the running maximum over a window, from best = -inf and at = -1: takes value v
// at flat index pos when it is larger, or NaN (NaN wins, as in PyTorch), or the first; so the
// first maximum is kept on ties. Written as selects, so a loop over channels vectorizes.
template <class A, class I>
MDQ_HD void pool_max_step(A v, I pos, A& best, I& at) {
    const bool take = v > best || m_isnan(v) || at < 0;
    best = take ? v : best;
    at = take ? pos : at;
}

// Maximum of one channel over the window (wy, wx): base points at that channel of pixel (0, 0)
// of the image, rows are w pixels of c channels. at receives the flat index iy * w + ix of the
// maximum (pool_max_step's rule).
template <class T>
MDQ_HD acc_t<T> pool_max(const T* base, int64_t w, int64_t c, const Window& wy, const Window& wx,
                         int64_t& at) {
    using A = acc_t<T>;
    A best = -std::numeric_limits<A>::infinity();
    at = -1;
    for (int64_t iy = wy.start; iy < wy.end; ++iy)
        for (int64_t ix = wx.start; ix < wx.end; ++ix)
            pool_max_step(static_cast<A>(base[(iy * w + ix) * c]), iy * w + ix, best, at);
    return best;
}

// An average window's sum, or one output gradient, divided by the window's divisor: the mean,
// or the share of the gradient that each input of the window receives.
template <class A>
MDQ_HD A pool_divide(A s, int64_t divisor) {
    return s / static_cast<A>(divisor);
}

// Mean of one channel over the window (base, w, c as for pool_max).
template <class T>
MDQ_HD acc_t<T> pool_mean(const T* base, int64_t w, int64_t c, const Window& wy, const Window& wx,
                          int64_t divisor) {
    using A = acc_t<T>;
    A s = A(0);
    for (int64_t iy = wy.start; iy < wy.end; ++iy)
        for (int64_t ix = wx.start; ix < wx.end; ++ix)
            s += static_cast<A>(base[(iy * w + ix) * c]);
    return pool_divide(s, divisor);
}

}  // namespace math

// One work item per output element (c fastest, so loads are coalesced). Max writes the flat
// index iy * w + ix of the maximum into indices (NaN wins, as in PyTorch).
template <class T>
struct PoolForward {
    PoolGeometry g;
    const T* x;
    T* y;
    int32_t* indices;  // Max only
    int64_t n;
};

template <class T>
MDQ_HD void grid_body(const GridPos& p, const PoolForward<T>& e, int64_t begin, int64_t end) {
    const PoolGeometry& g = e.g;
    const bool adaptive = g.kind == PoolKind::AdaptiveAvg;
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    for (int64_t i = begin + tid; i < end; i += nth) {
        int64_t img, oy, ox, c;
        math::split_nhwc(i, g.oh, g.ow, g.c, img, oy, ox, c);
        const math::Window wy = math::pool_window(adaptive, oy, g.h, g.oh, g.kh, g.sh, g.ph);
        const math::Window wx = math::pool_window(adaptive, ox, g.w, g.ow, g.kw, g.sw, g.pw);
        const T* base = e.x + img * g.h * g.w * g.c + c;
        if (g.kind == PoolKind::Max) {
            int64_t at;
            e.y[i] = static_cast<T>(math::pool_max(base, g.w, g.c, wy, wx, at));
            e.indices[i] = static_cast<int32_t>(at);
        } else {
            e.y[i] = static_cast<T>(
                math::pool_mean(base, g.w, g.c, wy, wx, math::pool_divisor(g, wy, wx)));
        }
    }
}

template <class T>
MDQ_HD int64_t grid_work(const PoolForward<T>& e) {
    return e.n;
}

// One work item per input element: the sum, over the outputs whose window holds it, of the
// output gradient (Max: where the saved argmax is this element; Avg: divided by the window's
// count). Overwrites dx.
template <class T>
struct PoolBackward {
    PoolGeometry g;
    const T* dy;
    const int32_t* indices;  // Max only
    T* dx;
    int64_t n;
};

template <class T>
MDQ_HD void grid_body(const GridPos& p, const PoolBackward<T>& e, int64_t begin, int64_t end) {
    using A = acc_t<T>;
    const PoolGeometry& g = e.g;
    const bool adaptive = g.kind == PoolKind::AdaptiveAvg;
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    for (int64_t i = begin + tid; i < end; i += nth) {
        int64_t img, iy, ix, c;
        math::split_nhwc(i, g.h, g.w, g.c, img, iy, ix, c);
        int64_t y0, y1, x0, x1;
        math::pool_outputs_of(adaptive, iy, g.h, g.oh, g.kh, g.sh, g.ph, y0, y1);
        math::pool_outputs_of(adaptive, ix, g.w, g.ow, g.kw, g.sw, g.pw, x0, x1);
        const int64_t base = img * g.oh * g.ow * g.c + c;
        A s = A(0);
        for (int64_t oy = y0; oy < y1; ++oy) {
            const math::Window wy = math::pool_window(adaptive, oy, g.h, g.oh, g.kh, g.sh, g.ph);
            if (iy < wy.start || iy >= wy.end) continue;
            for (int64_t ox = x0; ox < x1; ++ox) {
                const math::Window wx =
                    math::pool_window(adaptive, ox, g.w, g.ow, g.kw, g.sw, g.pw);
                if (ix < wx.start || ix >= wx.end) continue;
                const int64_t at = base + (oy * g.ow + ox) * g.c;
                if (g.kind == PoolKind::Max) {
                    if (e.indices[at] == iy * g.w + ix) s += static_cast<A>(e.dy[at]);
                } else {
                    s += math::pool_divide(static_cast<A>(e.dy[at]), math::pool_divisor(g, wy, wx));
                }
            }
        }
        e.dx[i] = static_cast<T>(s);
    }
}

template <class T>
MDQ_HD int64_t grid_work(const PoolBackward<T>& e) {
    return e.n;
}

}  // namespace mdq
