// Accumulation rules of the reductions, shared by CPU and CUDA. Max/min propagate NaN and
// keep the first index on ties (argmax of [1, 3, 3] is 1).
#pragma once

#include <cstdint>
#include <limits>

#include "core/hd.h"
#include "kernels/common/scalar_math.h"

namespace mdq {

enum class ReduceOp : uint8_t { Sum, Max, Min, ArgMax, ArgMin };

const char* reduce_op_name(ReduceOp op);

namespace math {

template <class A>
struct ReduceAcc {
    A v;
    int64_t i;
};

template <class A>
MDQ_HD ReduceAcc<A> reduce_identity(ReduceOp op) {
    switch (op) {
        case ReduceOp::Sum:
            return {A(0), 0};
        case ReduceOp::Max:
        case ReduceOp::ArgMax:
            return {std::numeric_limits<A>::lowest(), -1};
        case ReduceOp::Min:
        case ReduceOp::ArgMin:
            return {std::numeric_limits<A>::max(), -1};
    }
    return {A(0), -1};
}

// Whether (v, i) should replace (best, bi) for max (is_max) or min.
template <class A>
MDQ_HD bool reduce_better(bool is_max, A v, int64_t i, A best, int64_t bi) {
    if (bi < 0) return true;
    const bool vn = m_isnan(v), bn = m_isnan(best);
    if (vn || bn) return vn && (!bn || i < bi);
    if (v == best) return i < bi;
    return is_max ? v > best : v < best;
}

template <class A>
MDQ_HD void reduce_merge(ReduceOp op, ReduceAcc<A>& acc, A v, int64_t i) {
    if (op == ReduceOp::Sum) {
        acc.v += v;
        return;
    }
    const bool is_max = op == ReduceOp::Max || op == ReduceOp::ArgMax;
    if (reduce_better(is_max, v, i, acc.v, acc.i)) {
        acc.v = v;
        acc.i = i;
    }
}

// Folds a partial result into acc; an empty partial (index -1) of max/min is skipped.
template <class A>
MDQ_HD void reduce_combine(ReduceOp op, ReduceAcc<A>& acc, const ReduceAcc<A>& other) {
    if (op != ReduceOp::Sum && other.i < 0) return;
    reduce_merge(op, acc, other.v, other.i);
}

}  // namespace math
}  // namespace mdq
