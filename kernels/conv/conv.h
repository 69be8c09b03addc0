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

// How the GPU picks a cuDNN algorithm per problem: cuDNN's heuristics (default), or with
// `benchmark` by timing the candidates once (PyTorch's cudnn.benchmark; MDQ_CUDNN_BENCHMARK=1
// sets it at start). Set it before the first convolution: choices are cached per problem.
void set_conv_benchmark(bool benchmark);
// Only algorithms whose results do not vary from run to run (MDQ_DETERMINISTIC=1 sets it at
// start). Choices are cached per problem and per this setting, so it may change at any time.
void set_conv_deterministic(bool deterministic);
// Algorithm searches (heuristic queries or timings) made so far in this process. Once every
// problem of a training step has been seen it stays constant, so a timed window with a search
// in it still had warm-up work in it (`mdq bench train` checks this). 0 without cuDNN.
int64_t conv_algorithm_searches();

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
void set_conv_benchmark(bool benchmark);
void set_conv_deterministic(bool deterministic);
int64_t conv_algorithm_searches();
void conv2d_forward(const ConvProblem& p, const Tensor& x, const Tensor& w, const Tensor& y);
void conv2d_backward_data(const ConvProblem& p, const Tensor& dy, const Tensor& w,
                          const Tensor& dx);
void conv2d_backward_filter(const ConvProblem& p, const Tensor& x, const Tensor& dy,
                            const Tensor& dw);
}  // namespace cuda

}  // namespace mdq
