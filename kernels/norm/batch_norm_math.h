// Batch normalisation over channels-last data read as [rows, C] (PyTorch semantics): batch
// statistics use the biased variance, running statistics move by momentum towards the batch
// mean and the unbiased variance. S is the statistics type (f32, or f64 for f64 data), Acc
// the accumulator of the column sums. All bodies are grid bodies shared by CPU and CUDA.
#pragma once

#include <cstdint>

#include "core/hd.h"
#include "kernels/common/scalar_math.h"
#include "kernels/common/grid.h"

namespace mdq {

namespace math {

// Column sum of (x - mean[c])^2: the biased variance times rows.
template <class Acc, class S>
struct SquaredDeviationFn {
    static constexpr int K = 1;
    const S* mean;
    MDQ_HD void operator()(int64_t c, Acc x, Acc, Acc* acc) const {
        const Acc d = x - static_cast<Acc>(mean[c]);
        acc[0] += d * d;
    }
};

// Column sums of dy and of dy * (x - mean[c]), the two reductions of the backward pass.
template <class Acc, class S>
struct BatchNormGradSumsFn {
    static constexpr int K = 2;
    const S* mean;
    MDQ_HD void operator()(int64_t c, Acc x, Acc dy, Acc* acc) const {
        acc[0] += dy;
        acc[1] += dy * (x - static_cast<Acc>(mean[c]));
    }
};

template <class S>
MDQ_HD S batch_norm_invstd(S var, S eps) {
    return S(1) / m_sqrt(var + eps);
}

}  // namespace math

// Per channel, before normalising: invstd from var, the affine map y = x * scale + shift that
// normalises (with weight/bias, either may be null), and, when update is set, the running
// statistics: running = (1 - momentum) * running + momentum * batch, with the variance made
// unbiased by rows / (rows - 1).
template <class S>
struct BatchNormPrep {
    const S* mean;
    const S* var;
    const S* weight;
    const S* bias;
    S* running_mean;
    S* running_var;
    S* invstd;
    S* scale;
    S* shift;
    S eps, momentum;
    int64_t rows;
    bool update;
    int64_t n;  // channels
};

template <class S>
MDQ_HD void grid_body(const GridPos& p, const BatchNormPrep<S>& e, int64_t begin, int64_t end) {
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    for (int64_t c = begin + tid; c < end; c += nth) {
        const S m = e.mean[c], v = e.var[c];
        const S inv = math::batch_norm_invstd(v, e.eps);
        const S g = e.weight ? e.weight[c] : S(1), b = e.bias ? e.bias[c] : S(0);
        e.invstd[c] = inv;
        e.scale[c] = g * inv;
        e.shift[c] = b - m * g * inv;
        if (e.update) {
            const S unbiased = v * static_cast<S>(e.rows) / static_cast<S>(e.rows - 1);
            e.running_mean[c] = (S(1) - e.momentum) * e.running_mean[c] + e.momentum * m;
            e.running_var[c] = (S(1) - e.momentum) * e.running_var[c] + e.momentum * unbiased;
        }
    }
}

template <class S>
MDQ_HD int64_t grid_work(const BatchNormPrep<S>& e) {
    return e.n;
}

// Per channel, before the data gradient: dx = k0 * (dy - k1 - (x - mean) * k2) with
//   k0 = weight * invstd,
//   k1 = sum(dy) / rows,                        (batch statistics only; 0 in eval mode)
//   k2 = invstd^2 * sum(dy * (x - mean)) / rows (batch statistics only; 0 in eval mode).
// sums is [2, C]: sum(dy), then sum(dy * (x - mean)); k is [3, C].
template <class S>
struct BatchNormBackwardPrep {
    const S* weight;
    const S* invstd;
    const S* sums;
    S* k;
    int64_t rows;
    bool batch_stats;
    int64_t n;  // channels
};

template <class S>
MDQ_HD void grid_body(const GridPos& p, const BatchNormBackwardPrep<S>& e, int64_t begin,
                      int64_t end) {
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    for (int64_t c = begin + tid; c < end; c += nth) {
        const S inv = e.invstd[c], r = static_cast<S>(e.rows);
        e.k[c] = (e.weight ? e.weight[c] : S(1)) * inv;
        e.k[e.n + c] = e.batch_stats ? e.sums[c] / r : S(0);
        e.k[2 * e.n + c] = e.batch_stats ? inv * inv * e.sums[e.n + c] / r : S(0);
    }
}

template <class S>
MDQ_HD int64_t grid_work(const BatchNormBackwardPrep<S>& e) {
    return e.n;
}

// dx[i] = k0[c] * (dy[i] - k1[c] - (x[i] - mean[c]) * k2[c]), c = i % cols. apply(i, c) is
// the formula for one element (the CPU runner calls it row by row, see ChannelAffine).
template <class T, class S>
struct BatchNormBackwardData {
    const T* x;
    const T* dy;
    T* dx;
    const S* mean;
    const S* k;  // [3, cols]
    int64_t cols, n;

    MDQ_HD void apply(int64_t i, int64_t c) const {
        const S xm = static_cast<S>(x[i]) - mean[c];
        const S g = static_cast<S>(dy[i]) - k[cols + c] - xm * k[2 * cols + c];
        dx[i] = static_cast<T>(k[c] * g);
    }
};

template <class T, class S>
MDQ_HD void grid_body(const GridPos& p, const BatchNormBackwardData<T, S>& e, int64_t begin,
                      int64_t end) {
    const int64_t tid = p.block * p.block_dim + p.thread, nth = p.block_dim * p.grid_dim;
    for (int64_t i = begin + tid; i < end; i += nth)
        e.apply(i, i % e.cols);
}

template <class T, class S>
MDQ_HD int64_t grid_work(const BatchNormBackwardData<T, S>& e) {
    return e.n;
}

}  // namespace mdq
