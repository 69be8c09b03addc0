// 2-D pooling of NHWC activations: max, average and adaptive (global) average. Every dtype
// with float arithmetic (bf16 in, bf16 out); one shared math header for CPU and CUDA.
#pragma once

#include "core/tensor.h"
#include "kernels/pool/pool_math.h"

namespace mdq {

struct Pool2dArgs {
    int64_t kernel_h = 2, kernel_w = 2;
    int64_t stride_h = 2, stride_w = 2;
    int64_t pad_h = 0, pad_w = 0;
    bool count_include_pad = true;  // average pooling: padded zeros count in the divisor
};

// Differentiable, x [N, H, W, C] -> [N, OH, OW, C] with OH = (H + 2 pad - kernel) / stride + 1
// (PyTorch's floor mode). Padding is at most half the kernel, as in PyTorch; max pooling
// treats it as -infinity.
Tensor max_pool2d(const Tensor& x, const Pool2dArgs& args);
Tensor avg_pool2d(const Tensor& x, const Pool2dArgs& args);
// Output [N, out_h, out_w, C]; window of output o along an axis of length L:
// [floor(o L / out), ceil((o + 1) L / out)). out 1x1 is global average pooling.
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);

// The geometry for input shape x; throws naming `op` and the shapes when it does not fit.
PoolGeometry pool2d_geometry(PoolKind kind, const Shape& x, const Pool2dArgs& args, const char* op);
PoolGeometry adaptive_pool2d_geometry(const Shape& x, int64_t out_h, int64_t out_w, const char* op);

// Raw kernels: contiguous x/y (dy/dx) of one dtype; indices i32 [N, OH, OW, C] for Max
// (written by forward, read by backward), undefined otherwise. Outputs are overwritten.
void pool2d_forward_into(const PoolGeometry& g, const Tensor& x, const Tensor& y,
                         const Tensor& indices);
void pool2d_backward_into(const PoolGeometry& g, const Tensor& dy, const Tensor& indices,
                          const Tensor& dx);

namespace cpu {
void pool2d_forward(const PoolGeometry& g, const Tensor& x, const Tensor& y, const Tensor& indices);
void pool2d_backward(const PoolGeometry& g, const Tensor& dy, const Tensor& indices,
                     const Tensor& dx);
}  // namespace cpu
namespace cuda {
void pool2d_forward(const PoolGeometry& g, const Tensor& x, const Tensor& y, const Tensor& indices);
void pool2d_backward(const PoolGeometry& g, const Tensor& dy, const Tensor& indices,
                     const Tensor& dx);
}  // namespace cuda

}  // namespace mdq
