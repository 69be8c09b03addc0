// DoReFa-Net's gradient quantizer (docs/QUANTIZATION.md, "Low-bit gradients"), shared by the CPU
// reference and the CUDA kernel. Per sample (one row of the gradient) with m = max|dr|:
//   dq = 2 m (quantize_k(clip(dr / (2 m) + 1/2 + N, 0, 1)) - 1/2),   N = (s - 1/2) / (2^k - 1)
// with s uniform in [0, 1) from Philox (element i: word i % 4 of block first_block + i / 4 of
// (seed, stream)), so the noise is the same on both devices and follows the generator state a
// checkpoint saves. The noise makes the rounding stochastic and unbiased: E[dq] = dr. A row of
// zeros stays zero.
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "core/hd.h"
#include "core/philox.h"
#include "kernels/common/scalar_math.h"
#include "kernels/quant/act_quant_math.h"

namespace mdq {

struct GradQuantNoise {
    uint64_t seed = 0, stream = 0, first_block = 0;
};

namespace math {

MDQ_HD float grad_quant_uniform(const GradQuantNoise& n, int64_t i) {
    const Philox4 r = philox_block(n.seed, n.stream, n.first_block + static_cast<uint64_t>(i) / 4);
    return philox_uniform01(r.v[i % 4]);
}

// One element: dr with row maximum m > 0, uniform s, `levels` = 2^k.
template <class A>
MDQ_HD A grad_quant_value(A dr, A m, A s, int levels) {
    if (!(m > A(0))) return A(0);
    A v = dr / (A(2) * m) + A(0.5) + (s - A(0.5)) / static_cast<A>(levels - 1);
    v = v < A(0) ? A(0) : (v > A(1) ? A(1) : v);
    return A(2) * m * (unit_quantize(v, levels) - A(0.5));
}

// Row-pass op (kernels/common/row_pass.h) over [N, r]: the statistic is the row's max|dr|.
template <class T>
struct GradQuantOp {
    using A = acc_t<T>;
    using Stat = A;
    static constexpr bool kWritesElements = true;
    const T* dy;
    T* dx;
    GradQuantNoise noise;
    int levels;
    MDQ_HD Stat identity() const { return A(0); }
    MDQ_HD Stat fold(Stat s, int64_t at) const { return m_max(s, m_abs(static_cast<A>(dy[at]))); }
    MDQ_HD Stat combine(Stat a, Stat b) const { return m_max(a, b); }
    MDQ_HD void write(int64_t at, Stat m) const {
        const A s = static_cast<A>(grad_quant_uniform(noise, at));
        dx[at] = static_cast<T>(grad_quant_value(static_cast<A>(dy[at]), m, s, levels));
    }
    MDQ_HD void finish(int64_t, Stat) const {}
};

}  // namespace math
}  // namespace mdq
