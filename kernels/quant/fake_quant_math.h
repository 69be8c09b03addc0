// Affine fake quantization with a scale and a zero point (docs/CARD.md, post-training
// quantization): q = clamp(round(x / s) + z, qmin, qmax), x_hat = s (q - z), rounding half to
// even. One scale/zero point per tensor or per channel (channel c of element i is
// (i / inner) % channels on a contiguous tensor). The grid bodies also give the observers their
// elementwise halves: the squared quantization error (MSE-optimal clipping) and the indicator
// x > t_c (percentiles by bisection); a sum over the non-channel dims completes them.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/dtype.h"
#include "core/hd.h"
#include "kernels/common/grid.h"

namespace mdq {

namespace math {

template <class T>
MDQ_HD T fake_quant(T x, T scale, T zero_point, T qmin, T qmax) {
    T q = rint(x / scale) + zero_point;
    q = q < qmin ? qmin : (q > qmax ? qmax : q);
    return (q - zero_point) * scale;
}

}  // namespace math

// What a FakeQuantApply launch writes per element.
enum class FakeQuantOut : uint8_t {
    Value,         // y = x_hat
    SquaredError,  // y = (x_hat - x)^2
    Exceeds,       // y = x > scale[c] ? 1 : 0 (scale holds thresholds; zero point unused)
};

template <class T>
struct FakeQuantApply {
    const T* x;
    T* y;
    const float* scale;       // [channels]
    const float* zero_point;  // [channels]
    int64_t n, channels, inner;
    float qmin, qmax;
    FakeQuantOut out;
};

template <class T>
MDQ_HD void grid_body(const GridPos& p, const FakeQuantApply<T>& e, int64_t begin, int64_t end) {
    using A = acc_t<T>;
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    for (int64_t i = begin + tid; i < end; i += nth) {
        const int64_t c = (i / e.inner) % e.channels;
        const A x = static_cast<A>(e.x[i]), s = static_cast<A>(e.scale[c]);
        if (e.out == FakeQuantOut::Exceeds) {
            e.y[i] = static_cast<T>(x > s ? A(1) : A(0));
            continue;
        }
        const A q = math::fake_quant<A>(x, s, static_cast<A>(e.zero_point[c]),
                                        static_cast<A>(e.qmin), static_cast<A>(e.qmax));
        e.y[i] = static_cast<T>(e.out == FakeQuantOut::Value ? q : (q - x) * (q - x));
    }
}

template <class T>
MDQ_HD int64_t grid_work(const FakeQuantApply<T>& e) {
    return e.n;
}

}  // namespace mdq
