// MDQ_HD marks math shared by the CPU reference and the CUDA kernels (docs/DESIGN.md decision 2).
#pragma once

#if defined(__CUDACC__)
#define MDQ_HD __host__ __device__ __forceinline__
#define MDQ_HD_CONSTANT __constant__
#else
#define MDQ_HD inline
#define MDQ_HD_CONSTANT
#endif

// True while nvcc compiles device code; host-only branches test it.
#if defined(__CUDA_ARCH__)
#define MDQ_DEVICE_PASS 1
#else
#define MDQ_DEVICE_PASS 0
#endif
