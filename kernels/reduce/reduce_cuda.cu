// GPU reductions over [outer, r, inner], deterministic (no atomics): each row group (a warp or
// a block) or thread reduces a chunk of r; when r was split, the next pass reduces the
// partials. The last pass writes the output directly (scaled, converted), so an unsplit
// reduction is one launch. The kernel bodies are in reduce_body.h (run by the tests on the CPU).
#include <algorithm>
#include <type_traits>

#include "kernels/common/cuda_utils.cuh"
#include "kernels/common/simt_cuda.cuh"
#include "kernels/fill/fill.h"
#include "kernels/reduce/reduce.h"
#include "kernels/reduce/reduce_body.h"
#include "kernels/reduce/reduce_impl.h"

namespace mdq::cuda {

namespace {

constexpr int kThreads = 256;
using simt::kWarp;
template <class A>
using Acc = math::ReduceAcc<A>;

// inner == 1: a warp (8 per block) or the whole block per (row, chunk of r) (reduce_body.h).
template <class T, class A, int kGroup, class Sink>
__global__ void __launch_bounds__(kThreads)
    reduce_rows_kernel(const ReducePass<T> p, const Sink sink) {
    __shared__ Acc<A> smem[kGroup / kWarp];
    CudaThread t;
    reduce_rows_body<A, kGroup, kThreads>(t, p, sink, smem);
}

// inner > 1: one thread per (outer, chunk of r, inner column), coalesced across inner.
template <class T, class A, class Sink>
__global__ void __launch_bounds__(kThreads)
    reduce_cols_kernel(const ReducePass<T> p, const Sink sink) {
    reduce_cols_body<A>(p, sink, static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x,
                        blockIdx.y, gridDim.y);
}

// Reduces x[outer, r, inner] (indices xi, may be null) into `out`, splitting r into chunks
// (and recursing on the partials) when outer * inner alone cannot fill the GPU.
template <class T, class A, class Out>
void reduce_pass(ReduceOp op, const T* x, const int64_t* xi, int64_t outer, int64_t r,
                 int64_t inner, Device d, const Out& out) {
    const cudaStream_t s = stream_for(d);
    const int64_t sms = sm_count(d.index);
    // Rows are split until one full wave of blocks is busy, in chunks of at least 4096.
    static const int per_sm =
        blocks_per_sm(reduce_rows_kernel<T, A, kThreads, PartialSink<A>>, kThreads);
    const int64_t wave = per_sm * sms;
    const int64_t nchunks =
        inner == 1
            ? std::max<int64_t>(1, std::min<int64_t>((wave + outer - 1) / outer, (r + 4095) / 4096))
            : std::max<int64_t>(1,
                                std::min<int64_t>(sms * 2048 / std::max<int64_t>(1, outer * inner),
                                                  (r + 15) / 16));
    const int64_t chunk = (r + nchunks - 1) / nchunks;
    const ReducePass<T> p{op, x, xi, outer, r, inner, nchunks, chunk};
    auto launch = [&](const auto& sink) {
        using Sink = std::decay_t<decltype(sink)>;
        if (inner == 1 && nchunks == 1 && r <= 32 * kWarp) {
            const unsigned blocks = grid_for(outer * kWarp, kThreads, d.index, per_sm);
            reduce_rows_kernel<T, A, kWarp, Sink><<<blocks, kThreads, 0, s>>>(p, sink);
        } else if (inner == 1) {
            const unsigned blocks = grid_for(outer * nchunks * kThreads, kThreads, d.index, per_sm);
            reduce_rows_kernel<T, A, kThreads, Sink><<<blocks, kThreads, 0, s>>>(p, sink);
        } else {
            const int threads =
                static_cast<int>(std::min<int64_t>(kThreads, (inner + 31) / 32 * 32));
            const dim3 grid(static_cast<unsigned>((inner + threads - 1) / threads),
                            static_cast<unsigned>(std::min<int64_t>(outer * nchunks, 65535)));
            reduce_cols_kernel<T, A, Sink><<<grid, threads, 0, s>>>(p, sink);
        }
        MDQ_LAUNCH_CHECK();
    };
    if (nchunks == 1) {
        launch(out);
        return;
    }
    Tensor v = Tensor::empty({outer * nchunks * inner}, DTypeOf<A>::value, d);
    Tensor idx = Tensor::empty({outer * nchunks * inner}, DType::I64, d);
    launch(PartialSink<A>{v.data<A>(), idx.data<int64_t>()});
    reduce_pass<A, A>(op, v.data<A>(), idx.data<int64_t>(), outer, nchunks, inner, d, out);
}

template <class T, class A, class OutT>
void reduce_typed(ReduceOp op, const Tensor& x, int64_t outer, int64_t r, int64_t inner,
                  const Tensor& out, double scale) {
    if (r == 0) {  // only sums get here (the dispatcher checks): a sum of nothing
        fill_tensor(out, 0.0);
        return;
    }
    const bool arg = op == ReduceOp::ArgMax || op == ReduceOp::ArgMin;
    const OutputSink<A, OutT> sink{out.data<OutT>(), arg, op == ReduceOp::Sum ? scale : 1.0};
    reduce_pass<T, A>(op, x.data<T>(), nullptr, outer, r, inner, x.device(), sink);
}

}  // namespace

void reduce(ReduceOp op, const Tensor& x, int64_t outer, int64_t r, int64_t inner,
            const Tensor& out, double scale) {
    dispatch_reduce<false>(op, x.dtype(), [&](auto t, auto acc, auto o) {
        reduce_typed<typename decltype(t)::type, typename decltype(acc)::type,
                     typename decltype(o)::type>(op, x, outer, r, inner, out, scale);
    });
}

}  // namespace mdq::cuda
