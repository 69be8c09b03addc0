// GPU reductions over [outer, r, inner], deterministic (no atomics): each row group (a warp or
// a block) or thread reduces a chunk of r; when r was split, the next pass reduces the
// partials. Partials are (value in acc_t, index) pairs so argmax splits like sum. The last
// pass writes the output directly (scaled, converted), so an unsplit reduction is one launch.
#include <algorithm>
#include <type_traits>

#include "kernels/common/cuda_utils.cuh"
#include "kernels/common/group_reduce.cuh"
#include "kernels/fill/fill.h"
#include "kernels/reduce/reduce.h"
#include "kernels/reduce/reduce_impl.h"

namespace mdq::cuda {

namespace {

constexpr int kThreads = 256;
constexpr int kUnroll = 4;  // independent loads per thread before combining: bytes in flight

template <class A>
using Acc = math::ReduceAcc<A>;

// Where a pass's results go: partials for the next pass...
template <class A>
struct PartialSink {
    A* v;
    int64_t* i;
    __device__ void put(int64_t j, const Acc<A>& a) const {
        v[j] = a.v;
        i[j] = a.i;
    }
};

// ...or the output: indices for arg ops, else the value (times scale for mean).
template <class A, class OutT>
struct OutputSink {
    OutT* out;
    bool arg;
    double scale;
    __device__ void put(int64_t j, const Acc<A>& a) const {
        if (arg) {
            out[j] = static_cast<OutT>(a.i);
        } else if (scale != 1.0) {
            out[j] = static_cast<OutT>(static_cast<A>(static_cast<double>(a.v) * scale));
        } else {
            out[j] = static_cast<OutT>(a.v);
        }
    }
};

template <class T, class A>
__device__ Acc<A> element(const T* x, const int64_t* xi, int64_t at, int64_t k) {
    return {static_cast<A>(x[at]), xi ? xi[at] : k};
}

// inner == 1: kGroup threads (a warp, 8 per block; or the whole block) per (row, chunk of r),
// grid-stride. Each thread loads kUnroll elements kGroup apart before combining them.
template <class T, class A, int kGroup, class Sink>
__global__ void __launch_bounds__(kThreads)
    reduce_rows_kernel(ReduceOp op, const T* x, const int64_t* xi, int64_t outer, int64_t r,
                       int64_t nchunks, int64_t chunk, Sink sink) {
    __shared__ Acc<A> smem[kGroup / kWarp];
    constexpr int kPerBlock = kThreads / kGroup;
    const int lane = threadIdx.x % kGroup;
    const auto combine = [op](Acc<A> a, const Acc<A>& b) {
        math::reduce_combine(op, a, b);
        return a;
    };
    for (int64_t b = static_cast<int64_t>(blockIdx.x) * kPerBlock + threadIdx.x / kGroup;
         b < outer * nchunks; b += static_cast<int64_t>(gridDim.x) * kPerBlock) {
        const int64_t row = b / nchunks, c = b % nchunks;
        const int64_t r0 = c * chunk, r1 = min(r, r0 + chunk);
        Acc<A> a = math::reduce_identity<A>(op);
        for (int64_t k0 = r0 + lane; k0 < r1; k0 += kGroup * kUnroll) {
            Acc<A> v[kUnroll];
#pragma unroll
            for (int u = 0; u < kUnroll; ++u) {
                const int64_t k = k0 + u * kGroup;
                v[u] = k < r1 ? element<T, A>(x, xi, row * r + k, k) : math::reduce_identity<A>(op);
            }
#pragma unroll
            for (int u = 0; u < kUnroll; ++u)
                math::reduce_combine(op, a, v[u]);
        }
        a = group_reduce<kGroup>(a, combine, smem);
        if (lane == 0) sink.put(b, a);
    }
}

// One thread per (outer, chunk of r, inner column): coalesced across inner.
template <class T, class A, class Sink>
__global__ void __launch_bounds__(kThreads)
    reduce_cols_kernel(ReduceOp op, const T* x, const int64_t* xi, int64_t outer, int64_t r,
                       int64_t inner, int64_t nchunks, int64_t chunk, Sink sink) {
    const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= inner) return;
    for (int64_t oc = blockIdx.y; oc < outer * nchunks; oc += gridDim.y) {
        const int64_t o = oc / nchunks, c = oc % nchunks;
        const int64_t r0 = c * chunk, r1 = min(r, r0 + chunk);
        Acc<A> a = math::reduce_identity<A>(op);
        for (int64_t k = r0; k < r1; ++k)
            math::reduce_combine(op, a, element<T, A>(x, xi, (o * r + k) * inner + i, k));
        sink.put(oc * inner + i, a);
    }
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
    auto launch = [&](const auto& sink) {
        using Sink = std::decay_t<decltype(sink)>;
        if (inner == 1 && nchunks == 1 && r <= 32 * kWarp) {
            const unsigned blocks = grid_for(outer * kWarp, kThreads, d.index, per_sm);
            reduce_rows_kernel<T, A, kWarp, Sink>
                <<<blocks, kThreads, 0, s>>>(op, x, xi, outer, r, nchunks, chunk, sink);
        } else if (inner == 1) {
            const unsigned blocks = grid_for(outer * nchunks * kThreads, kThreads, d.index, per_sm);
            reduce_rows_kernel<T, A, kThreads, Sink>
                <<<blocks, kThreads, 0, s>>>(op, x, xi, outer, r, nchunks, chunk, sink);
        } else {
            const int threads =
                static_cast<int>(std::min<int64_t>(kThreads, (inner + 31) / 32 * 32));
            const dim3 grid(static_cast<unsigned>((inner + threads - 1) / threads),
                            static_cast<unsigned>(std::min<int64_t>(outer * nchunks, 65535)));
            reduce_cols_kernel<T, A, Sink>
                <<<grid, threads, 0, s>>>(op, x, xi, outer, r, inner, nchunks, chunk, sink);
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
