// The thread context that cooperative kernel bodies (shared memory, barriers, warp shuffles,
// atomics) are written against, so that one body runs on the GPU and, in the tests, in the
// SIMT emulator (tests/testing/simt/block.h). A body is a function template over its context
// type Ctx, called once per CUDA thread:
//
//   template <class Ctx, class Smem>
//   MDQ_SIMT void my_body(Ctx& t, Smem smem, ...);
//
// The CUDA kernel calls it with cuda::CudaThread (simt_cuda.cuh: every method an inline
// builtin, so the body compiles to what hand-written CUDA would), the tests with the
// emulator's simt::Thread. Shared memory is declared by the kernel (`__shared__ T a[N]`) and
// handed to the body as something indexable: a T* on the GPU, the emulator's bounds-checked
// view in the tests. What Ctx provides (both types implement exactly this):
//
//   unsigned thread_idx(), block_dim(), block_idx(), grid_dim()   threadIdx.x ... gridDim.x
//   unsigned lane(), warp()                                   thread_idx() % 32, / 32
//     (unsigned on both sides, as the builtins: the same arithmetic, the same SASS)
//   void sync()                                               __syncthreads()
//   T shfl_xor(T v, int lane_mask, unsigned mask = full)      __shfl_xor_sync, any type of
//   T shfl_down(T v, int delta, unsigned mask = full)         whole 32-bit words
//   unsigned ballot(bool p, unsigned mask = full)             __ballot_sync
//   void syncwarp(unsigned mask = full)                       __syncwarp
//   T atomic_add(T& a, T v), T atomic_min(T& a, T v)          atomicAdd, atomicMin (old value)
//   void fence()                                              __threadfence()
#pragma once

namespace mdq::simt {

constexpr int kWarp = 32;
constexpr unsigned kFullMask = 0xffffffffu;

}  // namespace mdq::simt

// A cooperative body: device code under nvcc (it calls the builtins through CudaThread), a
// plain inline function in the host compiler (the emulator's tests).
// MDQ_UNROLL(n) is nvcc's `#pragma unroll n` (empty n: fully); the host compiler, which
// would warn about an unknown pragma, gets nothing.
#if defined(__CUDACC__)
#define MDQ_SIMT __device__ __forceinline__
#define MDQ_UNROLL(n) _Pragma(MDQ_UNROLL_STR(unroll n))
#define MDQ_UNROLL_STR(x) #x
#else
#define MDQ_SIMT inline
#define MDQ_UNROLL(n)
#endif
