// Dropout with Philox masks: element i is kept when the uniform of word i % 4 of Philox block
// first_block + i / 4 of (seed, stream) is >= p, exactly the numbers uniform_() draws from the
// same generator state. Masks are therefore identical on CPU and GPU and can be recomputed in
// the backward pass instead of being stored.
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "core/hd.h"
#include "core/philox.h"
#include "kernels/common/grid.h"

namespace mdq {

struct DropoutMask {
    uint64_t seed = 0, stream = 0, first_block = 0;
    double p = 0.0;
};

namespace math {

MDQ_HD bool dropout_keep(const DropoutMask& m, int64_t i) {
    const Philox4 r = philox_block(m.seed, m.stream, m.first_block + static_cast<uint64_t>(i) / 4);
    return philox_uniform01(r.v[i % 4]) >= m.p;
}

}  // namespace math

// y[i] = keep(i) ? x[i] / (1 - p) : 0, on contiguous tensors.
template <class T>
struct DropoutApply {
    DropoutMask mask;
    const T* x;
    T* y;
    acc_t<T> scale;  // 1 / (1 - p)
    int64_t n;
};

template <class T>
MDQ_HD void grid_body(const GridPos& p, const DropoutApply<T>& e, int64_t begin, int64_t end) {
    using A = acc_t<T>;
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    for (int64_t i = begin + tid; i < end; i += nth)
        e.y[i] = math::dropout_keep(e.mask, i) ? static_cast<T>(static_cast<A>(e.x[i]) * e.scale)
                                               : static_cast<T>(A(0));
}

template <class T>
MDQ_HD int64_t grid_work(const DropoutApply<T>& e) {
    return e.n;
}

}  // namespace mdq
