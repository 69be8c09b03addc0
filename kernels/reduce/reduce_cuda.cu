// GPU reductions over [outer, r, inner], deterministic (no atomics): each block or thread
// reduces a chunk of r into a partial; when r was split, a second pass reduces the partials.
// Partials are (value in acc_t, index) pairs so argmax splits like sum.
#include <type_traits>

#include "kernels/common/cuda_utils.cuh"
#include "kernels/reduce/reduce.h"

namespace mdq::cuda {

namespace {

constexpr int kThreads = 256;

template <class A>
__device__ math::ReduceAcc<A> block_reduce(ReduceOp op, math::ReduceAcc<A> a) {
    __shared__ A sv[kThreads / 32];
    __shared__ int64_t si[kThreads / 32];
    for (int off = 16; off > 0; off >>= 1) {
        const math::ReduceAcc<A> o{__shfl_down_sync(0xffffffffu, a.v, off),
                                   __shfl_down_sync(0xffffffffu, a.i, off)};
        math::reduce_combine(op, a, o);
    }
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    if (lane == 0) {
        sv[warp] = a.v;
        si[warp] = a.i;
    }
    __syncthreads();
    if (warp == 0) {
        a = lane < static_cast<int>(blockDim.x / 32) ? math::ReduceAcc<A>{sv[lane], si[lane]}
                                                     : math::reduce_identity<A>(op);
        for (int off = 16; off > 0; off >>= 1) {
            const math::ReduceAcc<A> o{__shfl_down_sync(0xffffffffu, a.v, off),
                                       __shfl_down_sync(0xffffffffu, a.i, off)};
            math::reduce_combine(op, a, o);
        }
    }
    __syncthreads();  // the shared arrays are reused by the next row
    return a;
}

// One block per (row, chunk of r) for inner == 1; xi (optional) carries indices of partials.
template <class T, class A>
__global__ void __launch_bounds__(kThreads)
    reduce_rows_kernel(ReduceOp op, const T* x, const int64_t* xi, int64_t outer, int64_t r,
                       int64_t nchunks, int64_t chunk, A* pv, int64_t* pi) {
    for (int64_t b = blockIdx.x; b < outer * nchunks; b += gridDim.x) {
        const int64_t row = b / nchunks, c = b % nchunks;
        const int64_t r0 = c * chunk, r1 = min(r, r0 + chunk);
        math::ReduceAcc<A> a = math::reduce_identity<A>(op);
        for (int64_t k = r0 + threadIdx.x; k < r1; k += blockDim.x) {
            const int64_t at = row * r + k;
            math::reduce_combine(op, a, math::ReduceAcc<A>{static_cast<A>(x[at]), xi ? xi[at] : k});
        }
        a = block_reduce(op, a);
        if (threadIdx.x == 0) {
            pv[b] = a.v;
            pi[b] = a.i;
        }
    }
}

// One thread per (outer, chunk of r, inner column): coalesced across inner.
template <class T, class A>
__global__ void __launch_bounds__(kThreads)
    reduce_cols_kernel(ReduceOp op, const T* x, const int64_t* xi, int64_t outer, int64_t r,
                       int64_t inner, int64_t nchunks, int64_t chunk, A* pv, int64_t* pi) {
    const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= inner) return;
    for (int64_t oc = blockIdx.y; oc < outer * nchunks; oc += gridDim.y) {
        const int64_t o = oc / nchunks, c = oc % nchunks;
        const int64_t r0 = c * chunk, r1 = min(r, r0 + chunk);
        math::ReduceAcc<A> a = math::reduce_identity<A>(op);
        for (int64_t k = r0; k < r1; ++k) {
            const int64_t at = (o * r + k) * inner + i;
            math::reduce_combine(op, a, math::ReduceAcc<A>{static_cast<A>(x[at]), xi ? xi[at] : k});
        }
        pv[oc * inner + i] = a.v;
        pi[oc * inner + i] = a.i;
    }
}

template <class A, class OutT>
__global__ void reduce_finalize_kernel(int64_t n, const A* pv, const int64_t* pi, bool arg,
                                       double scale, OutT* out) {
    for (int64_t j = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; j < n;
         j += static_cast<int64_t>(blockDim.x) * gridDim.x) {
        if (arg) {
            out[j] = static_cast<OutT>(pi[j]);
        } else if (scale != 1.0) {
            out[j] = static_cast<OutT>(static_cast<A>(static_cast<double>(pv[j]) * scale));
        } else {
            out[j] = static_cast<OutT>(pv[j]);
        }
    }
}

template <class A>
Tensor partial_buffer(int64_t n, Device d) {
    return Tensor::empty({n}, DTypeOf<A>::value, d);
}

// Reduces x[outer, r, inner] (indices xi, may be null) to partials with outer*inner entries.
template <class T, class A>
void reduce_pass(ReduceOp op, const T* x, const int64_t* xi, int64_t outer, int64_t r,
                 int64_t inner, Device d, Tensor& pv, Tensor& pi) {
    const cudaStream_t s = stream_for(d);
    const int64_t sms = sm_count(d.index);
    int64_t nchunks;
    if (inner == 1) {
        nchunks = std::max<int64_t>(
            1, std::min<int64_t>((4 * sms + outer - 1) / outer, (r + 2047) / 2048));
    } else {
        nchunks = std::max<int64_t>(
            1, std::min<int64_t>(sms * 2048 / std::max<int64_t>(1, outer * inner), (r + 15) / 16));
    }
    const int64_t chunk = (r + nchunks - 1) / nchunks;
    Tensor v = partial_buffer<A>(outer * nchunks * inner, d);
    Tensor idx = Tensor::empty({outer * nchunks * inner}, DType::I64, d);
    if (inner == 1) {
        const unsigned blocks =
            static_cast<unsigned>(std::min<int64_t>(outer * nchunks, 65535 * 32));
        reduce_rows_kernel<T, A><<<blocks, kThreads, 0, s>>>(op, x, xi, outer, r, nchunks, chunk,
                                                             v.data<A>(), idx.data<int64_t>());
    } else {
        const int threads = static_cast<int>(std::min<int64_t>(kThreads, (inner + 31) / 32 * 32));
        const dim3 grid(static_cast<unsigned>((inner + threads - 1) / threads),
                        static_cast<unsigned>(std::min<int64_t>(outer * nchunks, 65535)));
        reduce_cols_kernel<T, A><<<grid, threads, 0, s>>>(op, x, xi, outer, r, inner, nchunks,
                                                          chunk, v.data<A>(), idx.data<int64_t>());
    }
    MDQ_LAUNCH_CHECK();
    if (nchunks == 1) {
        pv = v;
        pi = idx;
        return;
    }
    reduce_pass<A, A>(op, v.data<A>(), idx.data<int64_t>(), outer, nchunks, inner, d, pv, pi);
}

template <class T, class A, class OutT>
void reduce_typed(ReduceOp op, const Tensor& x, int64_t outer, int64_t r, int64_t inner,
                  const Tensor& out, double scale) {
    Tensor pv, pi;
    const Device d = x.device();
    if (r == 0) {
        pv = Tensor::zeros({outer * inner}, DTypeOf<A>::value, d);
        pi = Tensor::zeros({outer * inner}, DType::I64, d);
    } else {
        reduce_pass<T, A>(op, x.data<T>(), nullptr, outer, r, inner, d, pv, pi);
    }
    const int64_t n = outer * inner;
    const bool arg = op == ReduceOp::ArgMax || op == ReduceOp::ArgMin;
    reduce_finalize_kernel<A, OutT><<<grid_for(n, kThreads, d.index), kThreads, 0, stream_for(d)>>>(
        n, pv.data<A>(), pi.data<int64_t>(), arg, scale, out.data<OutT>());
    MDQ_LAUNCH_CHECK();
}

}  // namespace

void reduce(ReduceOp op, const Tensor& x, int64_t outer, int64_t r, int64_t inner,
            const Tensor& out, double scale) {
    const bool arg = op == ReduceOp::ArgMax || op == ReduceOp::ArgMin;
    MDQ_DISPATCH_ALL(x.dtype(), reduce_op_name(op), [&] {
        using T = scalar_t;
        using A = acc_t<T>;
        if constexpr (std::is_integral_v<A>) {
            if (op == ReduceOp::Sum)
                return reduce_typed<T, int64_t, int64_t>(op, x, outer, r, inner, out, scale);
            if (arg) return reduce_typed<T, int64_t, int64_t>(op, x, outer, r, inner, out, 1.0);
            return reduce_typed<T, int64_t, T>(op, x, outer, r, inner, out, 1.0);
        } else {
            if (arg) return reduce_typed<T, A, int64_t>(op, x, outer, r, inner, out, 1.0);
            return reduce_typed<T, A, T>(op, x, outer, r, inner, out, scale);
        }
    });
}

}  // namespace mdq::cuda
