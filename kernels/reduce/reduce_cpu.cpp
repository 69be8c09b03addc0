// CPU reductions over [outer, r, inner]. Sums accumulate in double (int64 for integers), so
// the CPU result is the accurate reference for the GPU's float tree.
#include <omp.h>

#include <vector>

#include "kernels/reduce/reduce.h"
#include "kernels/reduce/reduce_impl.h"

namespace mdq::cpu {

namespace {

template <class T, class CA, class OutT>
void reduce_typed(ReduceOp op, const T* x, int64_t outer, int64_t r, int64_t inner, OutT* out,
                  double scale) {
    using Acc = math::ReduceAcc<CA>;
    const bool arg = op == ReduceOp::ArgMax || op == ReduceOp::ArgMin;
    auto write = [&](int64_t o, int64_t i, const Acc& a) {
        if (arg) {
            out[o * inner + i] = static_cast<OutT>(a.i);
        } else if (op == ReduceOp::Sum && scale != 1.0) {
            out[o * inner + i] = static_cast<OutT>(static_cast<double>(a.v) * scale);
        } else {
            out[o * inner + i] = static_cast<OutT>(a.v);
        }
    };
    // Accumulates rows [r0, r1) of block o into acc[inner].
    auto accumulate = [&](int64_t o, int64_t r0, int64_t r1, Acc* acc) {
        for (int64_t k = r0; k < r1; ++k) {
            const T* row = x + (o * r + k) * inner;
            for (int64_t i = 0; i < inner; ++i)
                math::reduce_merge(op, acc[i], static_cast<CA>(row[i]), k);
        }
    };
    const int nt = omp_get_max_threads();
    const bool small = outer * r * inner < (1 << 15);
    if (small || outer >= nt) {
#pragma omp parallel for schedule(static) if (!small)
        for (int64_t o = 0; o < outer; ++o) {
            std::vector<Acc> acc(static_cast<size_t>(inner), math::reduce_identity<CA>(op));
            accumulate(o, 0, r, acc.data());
            for (int64_t i = 0; i < inner; ++i)
                write(o, i, acc[i]);
        }
        return;
    }
    // Few blocks: split r across threads, then merge the partials in thread order.
    for (int64_t o = 0; o < outer; ++o) {
        std::vector<std::vector<Acc>> part(static_cast<size_t>(nt));
#pragma omp parallel num_threads(nt)
        {
            const int t = omp_get_thread_num();
            const int64_t chunk = (r + nt - 1) / nt;
            const int64_t r0 = std::min<int64_t>(r, t * chunk),
                          r1 = std::min<int64_t>(r, r0 + chunk);
            part[t].assign(static_cast<size_t>(inner), math::reduce_identity<CA>(op));
            accumulate(o, r0, r1, part[t].data());
        }
        for (int64_t i = 0; i < inner; ++i) {
            Acc a = part[0][i];
            for (int t = 1; t < nt; ++t)
                math::reduce_combine(op, a, part[t][i]);
            write(o, i, a);
        }
    }
}

}  // namespace

void reduce(ReduceOp op, const Tensor& x, int64_t outer, int64_t r, int64_t inner,
            const Tensor& out, double scale) {
    dispatch_reduce<true>(op, x.dtype(), [&](auto t, auto acc, auto o) {
        using T = typename decltype(t)::type;
        using OutT = typename decltype(o)::type;
        reduce_typed<T, typename decltype(acc)::type>(op, x.data<T>(), outer, r, inner,
                                                      out.data<OutT>(), scale);
    });
}

}  // namespace mdq::cpu
