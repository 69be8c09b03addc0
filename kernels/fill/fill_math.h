// Generators for output-only kernels (fill, arange, uniform, normal): value of element i,
// where i is the row-major index in the output. Shared by CPU and CUDA.
#pragma once

#include <cstdint>

#include "core/hd.h"
#include "core/philox.h"
#include "kernels/common/scalar_math.h"
#include "kernels/common/grid.h"
#include "kernels/common/offset_calc.h"

namespace mdq {

namespace math {

template <class A>
struct ConstantGen {
    A value;
    MDQ_HD A operator()(int64_t) const { return value; }
};

template <class A>
struct ArangeGen {
    double start, step;
    MDQ_HD A operator()(int64_t i) const {
        return static_cast<A>(start + step * static_cast<double>(i));
    }
};

// Element i reads word i % 4 of Philox block first_block + i / 4.
struct UniformGen {
    uint64_t seed, stream, first_block;
    float lo, scale;
    MDQ_HD float operator()(int64_t i) const {
        const Philox4 r = philox_block(seed, stream, first_block + static_cast<uint64_t>(i) / 4);
        return lo + scale * philox_uniform01(r.v[i % 4]);
    }
};

// Box-Muller on words (2k, 2k+1) of block first_block + i / 2, k = i % 2.
struct NormalGen {
    uint64_t seed, stream, first_block;
    float mean, std;
    MDQ_HD float operator()(int64_t i) const {
        const Philox4 r = philox_block(seed, stream, first_block + static_cast<uint64_t>(i) / 2);
        const int k = static_cast<int>(i % 2) * 2;
        const float u1 = 1.0f - philox_uniform01(r.v[k]);  // (0, 1]: log is finite
        const float u2 = philox_uniform01(r.v[k + 1]);
        return mean + std * m_sqrt(-2.0f * m_log(u1)) * m_cos(6.2831853071795865f * u2);
    }
};

}  // namespace math

template <class Out, class G>
struct Generate {
    G gen;
    Out* out;
    OffsetCalc<1> calc;
    int64_t n;
    bool contiguous;
};

template <class Out, class G>
MDQ_HD void grid_body(const GridPos& p, const Generate<Out, G>& e, int64_t begin, int64_t end) {
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    for (int64_t i = begin + tid; i < end; i += nth) {
        int64_t off = i;
        if (!e.contiguous) e.calc.get(i, &off);
        e.out[off] = static_cast<Out>(e.gen(i));
    }
}

template <class Out, class G>
MDQ_HD int64_t grid_work(const Generate<Out, G>& e) {
    return e.n;
}

}  // namespace mdq
