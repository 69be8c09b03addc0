// The types of a reduction, one table for the CPU loop (reduce_cpu.cpp), the CUDA kernels
// (reduce_cuda.cu) and the dispatcher's output check (reduce.cpp).
#pragma once

#include <type_traits>

#include "core/dtype.h"
#include "kernels/reduce/reduce_math.h"

namespace mdq {

template <class T>
struct ReduceType {
    using type = T;
};

// Calls fn(ReduceType<T>{}, ReduceType<Acc>{}, ReduceType<Out>{}) for reducing a tensor of
// dtype dt with op: T is the element type, Acc the accumulator, Out the output. Arg ops write
// i64 indices, integer sums write i64, everything else writes T. Integers accumulate in i64;
// floating types in acc_t<T>, except sums with kWideSum (the CPU reference), in double.
template <bool kWideSum, class Fn>
void dispatch_reduce(ReduceOp op, DType dt, Fn&& fn) {
    MDQ_DISPATCH_ALL(dt, reduce_op_name(op), [&] {
        using T = scalar_t;
        constexpr bool kInteger = std::is_integral_v<T>;
        using Acc = std::conditional_t<kInteger, int64_t, acc_t<T>>;
        using SumAcc = std::conditional_t<kWideSum && !kInteger, double, Acc>;
        using SumOut = std::conditional_t<kInteger, int64_t, T>;
        if (op == ReduceOp::ArgMax || op == ReduceOp::ArgMin)
            return fn(ReduceType<T>{}, ReduceType<Acc>{}, ReduceType<int64_t>{});
        if (op == ReduceOp::Sum)
            return fn(ReduceType<T>{}, ReduceType<SumAcc>{}, ReduceType<SumOut>{});
        return fn(ReduceType<T>{}, ReduceType<Acc>{}, ReduceType<T>{});
    });
}

}  // namespace mdq
