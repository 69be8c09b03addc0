// Launch templates of the per-channel kernels, shared by channel.cpp (the CPU) and
// channel_cuda.cu (and by the batch-norm kernels); Runner is cpu::Runner or cuda::Runner.
#pragma once

#include <algorithm>
#include <type_traits>

#include "kernels/channel/channel.h"
#include "kernels/channel/channel_math.h"

namespace mdq {

// Reduces the columns of x ([rows, C], contiguous; y of the same shape or undefined) with f
// (F::K values per column) into out ([K, C] of type Out, contiguous), times scale. Acc is the
// accumulator type. Chunks of rows give partial sums; when there are more than kMaxFinish
// chunks, the partials are column-reduced again (a tree, so no thread sums thousands of values
// in a row). The chunking depends only on the shape and the mapping, so results do not depend
// on the thread count.
template <class Runner, class Acc, class T, class Out, class F>
void column_reduce_into(const F& f, const Tensor& x, const Tensor& y, const Tensor& out,
                        ColumnMapping mapping, double scale = 1.0) {
    constexpr int64_t kMaxFinish = 16, kMinChunkRows = 16;
    const bool row_blocks = mapping == ColumnMapping::RowBlocks;
    const int64_t cols = x.dim() == 0 ? 1 : x.size(-1);
    const int64_t rows = cols == 0 ? 0 : x.numel() / cols;
    // GPU: about 2^17 work items, enough to fill the device, each summing at least 16 rows.
    // CPU: one chunk per 2^15 elements, at most 256.
    const int64_t want = row_blocks ? std::min<int64_t>(256, rows * cols / (1 << 15))
                                    : (1 << 17) / std::max<int64_t>(cols, 1);
    const int64_t chunks_wanted = std::max<int64_t>(1, std::min<int64_t>(rows, want));
    int64_t chunk_rows = std::max<int64_t>(1, (rows + chunks_wanted - 1) / chunks_wanted);
    if (!row_blocks) chunk_rows = std::max(chunk_rows, kMinChunkRows);
    const int64_t chunks = std::max<int64_t>(1, (rows + chunk_rows - 1) / chunk_rows);
    const int64_t width = F::K * cols;
    Tensor partials = Tensor::empty(Shape{chunks, width}, DTypeOf<Acc>::value, x.device());
    ColumnPartials<T, Acc, F> p{f,
                                x.data<T>(),
                                y.defined() ? y.data<T>() : nullptr,
                                partials.data<Acc>(),
                                rows,
                                cols,
                                chunk_rows,
                                mapping,
                                row_blocks ? chunks : chunks * cols};
    if (rows == 0) {
        partials.zero_();
    } else {
        Runner::run(p, x.device());
    }
    if (chunks > kMaxFinish) {
        column_reduce_into<Runner, Acc, Acc, Out>(math::ColumnSumFn<Acc>{}, partials, Tensor(), out,
                                                  mapping, scale);
        return;
    }
    ColumnFinish<Acc, Out> fin{partials.data<Acc>(), out.data<Out>(), static_cast<Acc>(scale),
                               chunks, width};
    Runner::run(fin, x.device());
}

// kWide (the CPU): f64 accumulators and the row-block mapping; else acc_t<stat>, per column.
template <bool kWide>
constexpr ColumnMapping column_mapping() {
    return kWide ? ColumnMapping::RowBlocks : ColumnMapping::PerColumn;
}

template <class Runner, bool kWide>
void launch_channel_sum(const Tensor& x, const Tensor& out) {
    MDQ_DISPATCH_FLOATING(x.dtype(), "channel_sum", [&] {
        using S = acc_t<scalar_t>;
        using Acc = std::conditional_t<kWide, double, S>;
        column_reduce_into<Runner, Acc, scalar_t, S>(math::ColumnSumFn<Acc>{}, x, Tensor(), out,
                                                     column_mapping<kWide>());
    });
}

template <class Runner>
void launch_channel_affine(const Tensor& x, const Tensor& scale, const Tensor& shift,
                           const Tensor& y) {
    MDQ_DISPATCH_FLOATING(x.dtype(), "channel_affine", [&] {
        using S = acc_t<scalar_t>;
        ChannelAffine<scalar_t, S> e{x.data<scalar_t>(),
                                     y.data<scalar_t>(),
                                     scale.defined() ? scale.data<S>() : nullptr,
                                     shift.defined() ? shift.data<S>() : nullptr,
                                     x.size(-1),
                                     x.numel()};
        Runner::run(e, x.device());
    });
}

}  // namespace mdq
