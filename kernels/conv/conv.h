// 2-D convolution (cross-correlation, as in PyTorch) on NHWC activations with OHWI (KRSC)
// weights: stride, padding, dilation and groups (depthwise included). The CPU path is
// im2col + OpenBLAS GEMM and is the reference; the GPU path is cuDNN.
#pragma once

#include <string>

#include "core/tensor.h"
#include "kernels/conv/conv_math.h"

namespace mdq {

// The problem of input shape x [N, H, W, C] and weight shape w [O, KH, KW, C / groups].
// Throws ValueError naming `op` and the shapes when they do not fit: ranks, channel counts,
// groups not dividing the channels, bad stride/padding/dilation, or a (dilated) kernel larger
// than the padded input.
ConvProblem conv2d_problem(const Shape& x, const Shape& w, const Conv2dArgs& args,
                           const char* op = "conv2d");
// "input [N, H, W, C], weight [O, KH, KW, C/g], stride (1, 1), padding (0, 0), ..." for messages.
std::string describe(const ConvProblem& p);

// y = conv(x, w) + bias, differentiable in all three (one autograd node).
//   x     [N, H, W, C]: f32 or f64 on the CPU, f32, bf16 or f16 on the GPU
//   w     [O, KH, KW, C / groups] of x's dtype
//   bias  [O] of stat_dtype(x) (f32 for 16-bit x), or undefined
// Returns [N, OH, OW, O] of x's dtype. With bf16 the GPU accumulates in f32.
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dArgs& args);

// Raw kernels (no autograd, no bias): contiguous tensors of one dtype and device, shapes as
// above; the output is overwritten.
void conv2d_forward_into(const Tensor& x, const Tensor& w, const Tensor& y, const Conv2dArgs& args);
void conv2d_backward_data_into(const Tensor& dy, const Tensor& w, const Tensor& dx,
                               const Conv2dArgs& args);
void conv2d_backward_filter_into(const Tensor& x, const Tensor& dy, const Tensor& dw,
                                 const Conv2dArgs& args);

namespace cpu {
void conv2d_forward(const ConvProblem& p, const Tensor& x, const Tensor& w, const Tensor& y);
void conv2d_backward_data(const ConvProblem& p, const Tensor& dy, const Tensor& w,
                          const Tensor& dx);
void conv2d_backward_filter(const ConvProblem& p, const Tensor& x, const Tensor& dy,
                            const Tensor& dw);
}  // namespace cpu
namespace cuda {
void conv2d_forward(const ConvProblem& p, const Tensor& x, const Tensor& w, const Tensor& y);
void conv2d_backward_data(const ConvProblem& p, const Tensor& dy, const Tensor& w,
                          const Tensor& dx);
void conv2d_backward_filter(const ConvProblem& p, const Tensor& x, const Tensor& dy,
                            const Tensor& dw);
}  // namespace cuda

}  // namespace mdq
