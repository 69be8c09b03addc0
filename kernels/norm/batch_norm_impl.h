// Launch templates of batch norm, shared by batch_norm.cpp (the CPU) and batch_norm_cuda.cu.
// kWide (the CPU reference) accumulates the column sums in f64 with the row-block mapping;
// otherwise in the statistics type, per column.
#pragma once

#include <type_traits>

#include "kernels/channel/channel_impl.h"
#include "kernels/norm/batch_norm.h"
#include "kernels/norm/batch_norm_math.h"

namespace mdq {

template <class S>
const S* ptr_or_null(const Tensor& t) {
    return t.defined() ? t.data<S>() : nullptr;
}

template <class Runner, bool kWide>
void launch_batch_norm_forward(const BatchNormForward& a) {
    MDQ_DISPATCH_FLOATING(a.x.dtype(), "batch_norm", [&] {
        using T = scalar_t;
        using S = acc_t<T>;
        using Acc = std::conditional_t<kWide, double, S>;
        const Device d = a.x.device();
        const int64_t cols = a.x.size(-1), rows = a.x.numel() / cols;
        Tensor var = a.running_var;
        if (a.batch_stats) {
            var = Tensor::empty({cols}, DTypeOf<S>::value, d);
            const double inv_rows = 1.0 / static_cast<double>(rows);
            column_reduce_into<Runner, Acc, T, S>(math::ColumnSumFn<Acc>{}, a.x, Tensor(), a.mean,
                                                  column_mapping<kWide>(), inv_rows);
            column_reduce_into<Runner, Acc, T, S>(
                math::SquaredDeviationFn<Acc, S>{a.mean.data<S>()}, a.x, Tensor(), var,
                column_mapping<kWide>(), inv_rows);
        } else {
            Tensor(a.mean).copy_(a.running_mean);
        }
        Tensor scale = Tensor::empty({cols}, DTypeOf<S>::value, d);
        Tensor shift = Tensor::empty({cols}, DTypeOf<S>::value, d);
        const bool update = a.batch_stats && a.running_mean.defined();
        BatchNormPrep<S> prep{a.mean.data<S>(),
                              var.data<S>(),
                              ptr_or_null<S>(a.weight),
                              ptr_or_null<S>(a.bias),
                              update ? a.running_mean.data<S>() : nullptr,
                              update ? a.running_var.data<S>() : nullptr,
                              a.invstd.data<S>(),
                              scale.data<S>(),
                              shift.data<S>(),
                              static_cast<S>(a.eps),
                              static_cast<S>(a.momentum),
                              rows,
                              update,
                              cols};
        Runner::run(prep, d);
        launch_channel_affine<Runner>(a.x, scale, shift, a.y);
    });
}

template <class Runner, bool kWide>
void launch_batch_norm_backward(const BatchNormBackward& a) {
    MDQ_DISPATCH_FLOATING(a.x.dtype(), "batch_norm_backward", [&] {
        using T = scalar_t;
        using S = acc_t<T>;
        using Acc = std::conditional_t<kWide, double, S>;
        const Device d = a.x.device();
        const int64_t cols = a.x.size(-1), rows = a.x.numel() / cols;
        const S* mean = a.mean.data<S>();
        column_reduce_into<Runner, Acc, T, S>(math::BatchNormGradSumsFn<Acc, S>{mean}, a.x, a.dy,
                                              a.sums, column_mapping<kWide>());
        if (!a.dx.defined()) return;
        Tensor k = Tensor::empty({3, cols}, DTypeOf<S>::value, d);
        Runner::run(
            BatchNormBackwardPrep<S>{ptr_or_null<S>(a.weight), a.invstd.data<S>(), a.sums.data<S>(),
                                     k.data<S>(), rows, a.batch_stats, cols},
            d);
        Runner::run(BatchNormBackwardData<T, S>{a.x.data<T>(), a.dy.data<T>(), a.dx.data<T>(), mean,
                                                k.data<S>(), cols, a.x.numel()},
                    d);
    });
}

}  // namespace mdq
