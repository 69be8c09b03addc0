// Formulas of the fused cross-entropy loss over logits [N, C] and labels [N], shared by CPU
// and CUDA:
//   loss_n = lse_n - x_n[label_n],  lse_n = log(sum_c exp(x_nc))   (max-shifted, never overflows)
//   dx_nc  = (exp(x_nc - lse_n) - [c == label_n]) * g_n * scale    (scale = 1/N for the mean)
// A label outside [0, C) gives a NaN loss. The GPU also records it in a device word (the first
// bad row and its label) that check_cross_entropy_labels() reads; the CPU throws before.
#pragma once

#include <cstdint>
#include <limits>

#include "core/dtype.h"
#include "core/hd.h"
#include "kernels/common/grid.h"
#include "kernels/softmax/softmax_math.h"

namespace mdq {

namespace math {

constexpr uint64_t kNoBadLabel = ~uint64_t{0};
// Stands for a label that does not fit the word's 32 bits.
constexpr int32_t kHugeLabel = std::numeric_limits<int32_t>::min();

// Row in the high 32 bits, label in the low 32: atomicMin keeps the first bad row together
// with its own label. Rows are below 2^31 (checked by the dispatcher).
MDQ_HD uint64_t pack_bad_label(int64_t row, int64_t label) {
    const bool fits = label > kHugeLabel && label <= std::numeric_limits<int32_t>::max();
    const int32_t l = fits ? static_cast<int32_t>(label) : kHugeLabel;
    return (static_cast<uint64_t>(row) << 32) | static_cast<uint32_t>(l);
}

// On the host a plain minimum: the CPU path passes no word (it throws before), the SIMT
// emulator's tests, which run the GPU's row kernels one thread at a time, do.
MDQ_HD void record_bad_label(unsigned long long* word, int64_t row, int64_t label) {
    if (!word) return;
    const auto packed = static_cast<unsigned long long>(pack_bad_label(row, label));
#if MDQ_DEVICE_PASS
    atomicMin(word, packed);
#else
    if (packed < *word) *word = packed;
#endif
}

template <class A>
MDQ_HD A cross_entropy_grad(A x, A lse, bool is_label, A g) {
    return (m_exp(x - lse) - (is_label ? A(1) : A(0))) * g;
}

// Row-pass op (row_pass.h) over the rows of the logits (x): per-row loss and logsumexp.
template <class T>
struct CrossEntropyForwardOp : MaxSumRows<T> {
    using typename MaxSumRows<T>::A;
    using typename MaxSumRows<T>::Stat;
    static constexpr bool kWritesElements = false;
    const int64_t* labels;
    int64_t classes;
    A* loss;
    A* lse;
    unsigned long long* bad;  // the GPU's error word; null on the CPU
    MDQ_HD void finish(int64_t row, const Stat& s) const {
        const A l = maxsum_lse(s);
        lse[row] = l;
        const int64_t y = labels[row];
        if (y < 0 || y >= classes) {
            loss[row] = std::numeric_limits<A>::quiet_NaN();
            record_bad_label(bad, row, y);
            return;
        }
        loss[row] = l - static_cast<A>(this->x[row * classes + y]);
    }
};

}  // namespace math

// The backward as a grid body (kernels/common/grid.h): one work item per logit.
template <class T>
struct CrossEntropyGrad {
    using A = acc_t<T>;
    const T* logits;
    const int64_t* labels;
    const A* lse;
    const A* g;  // upstream gradient: one value, or one per row
    bool g_per_row;
    A scale;
    T* dx;
    int64_t classes;
    int64_t n;  // N * C
};

template <class T>
MDQ_HD void grid_body(const GridPos& p, const CrossEntropyGrad<T>& e, int64_t begin, int64_t end) {
    using A = acc_t<T>;
    const int64_t tid = p.block * p.block_dim + p.thread;
    const int64_t nth = p.block_dim * p.grid_dim;
    for (int64_t i = begin + tid; i < end; i += nth) {
        const int64_t row = i / e.classes, c = i - row * e.classes;
        const A g = e.g[e.g_per_row ? row : 0] * e.scale;
        const A x = static_cast<A>(e.logits[i]);
        e.dx[i] = static_cast<T>(math::cross_entropy_grad(x, e.lse[row], c == e.labels[row], g));
    }
}

template <class T>
MDQ_HD int64_t grid_work(const CrossEntropyGrad<T>& e) {
    return e.n;
}

}  // namespace mdq
