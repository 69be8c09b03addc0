// Formulas of softmax and log_softmax along a dim, shared by CPU and CUDA. A row is folded
// into (max, sum of exp(x - max)) in one read ("online" softmax), so large logits never
// overflow; the output pass reads the row again.
//   softmax:      y = exp(x - m) / s             dx = y * (dy - sum(dy * y))
//   log_softmax:  y = x - (m + log s)            dx = dy - exp(y) * sum(dy)
#pragma once

#include <cstdint>
#include <limits>

#include "core/dtype.h"
#include "core/hd.h"
#include "kernels/common/scalar_math.h"

namespace mdq::math {

// Running maximum m and sum s of exp(x - m) over the values seen so far.
template <class A>
struct MaxSum {
    A m, s;
};

template <class A>
MDQ_HD MaxSum<A> maxsum_identity() {
    return {-std::numeric_limits<A>::infinity(), A(0)};
}

// s measured against max `from`, re-expressed against `to` >= from. Equal maxima need no exp,
// which also keeps rows of -inf (exp(-inf - -inf)) free of NaN.
template <class A>
MDQ_HD A maxsum_rescale(A s, A from, A to) {
    return from == to ? s : s * m_exp(from - to);
}

// Commutative: both orders give the same bits, as the GPU's butterfly needs.
template <class A>
MDQ_HD MaxSum<A> maxsum_combine(const MaxSum<A>& a, const MaxSum<A>& b) {
    const A m = m_max(a.m, b.m);
    return {m, maxsum_rescale(a.s, a.m, m) + maxsum_rescale(b.s, b.m, m)};
}

template <class A>
MDQ_HD MaxSum<A> maxsum_fold(const MaxSum<A>& a, A x) {
    return maxsum_combine(a, MaxSum<A>{x, A(1)});
}

// log(sum(exp(x))) of the row.
template <class A>
MDQ_HD A maxsum_lse(const MaxSum<A>& a) {
    return a.m + m_log(a.s);
}

template <class A>
MDQ_HD A softmax_value(A x, const MaxSum<A>& st, bool log) {
    return log ? x - maxsum_lse(st) : m_exp(x - st.m) / st.s;
}

// What the backward sums over the row: dy * y for softmax, dy for log_softmax.
template <class A>
MDQ_HD A softmax_grad_term(A y, A dy, bool log) {
    return log ? dy : dy * y;
}

template <class A>
MDQ_HD A softmax_grad(A y, A dy, A row_sum, bool log) {
    return log ? dy - m_exp(y) * row_sum : y * (dy - row_sum);
}

// The statistic half of a row-pass op (row_pass.h) that folds the T values at x into MaxSum.
template <class T>
struct MaxSumRows {
    using A = acc_t<T>;
    using Stat = MaxSum<A>;
    const T* x;
    MDQ_HD Stat identity() const { return maxsum_identity<A>(); }
    MDQ_HD Stat fold(const Stat& s, int64_t at) const {
        return maxsum_fold(s, static_cast<A>(x[at]));
    }
    MDQ_HD Stat combine(const Stat& a, const Stat& b) const { return maxsum_combine(a, b); }
};

// Row-pass op: y = softmax or log_softmax of x along r.
template <class T>
struct SoftmaxForwardOp : MaxSumRows<T> {
    using typename MaxSumRows<T>::A;
    using typename MaxSumRows<T>::Stat;
    static constexpr bool kWritesElements = true;
    T* y;
    bool log;
    MDQ_HD void write(int64_t at, const Stat& s) const {
        y[at] = static_cast<T>(softmax_value(static_cast<A>(this->x[at]), s, log));
    }
    MDQ_HD void finish(int64_t, const Stat&) const {}
};

// Row-pass op: dx from the forward output y and the upstream gradient dy.
template <class T>
struct SoftmaxBackwardOp {
    using A = acc_t<T>;
    using Stat = A;
    static constexpr bool kWritesElements = true;
    const T* y;
    const T* dy;
    T* dx;
    bool log;
    MDQ_HD Stat identity() const { return A(0); }
    MDQ_HD Stat fold(Stat s, int64_t at) const {
        return s + softmax_grad_term(static_cast<A>(y[at]), static_cast<A>(dy[at]), log);
    }
    MDQ_HD Stat combine(Stat a, Stat b) const { return a + b; }
    MDQ_HD void write(int64_t at, Stat s) const {
        dx[at] =
            static_cast<T>(softmax_grad(static_cast<A>(y[at]), static_cast<A>(dy[at]), s, log));
    }
    MDQ_HD void finish(int64_t, Stat) const {}
};

}  // namespace mdq::math
