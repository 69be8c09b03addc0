// Batch normalisation of channels-last activations (x [N, C] for BatchNorm1d, [N, H, W, C] for
// BatchNorm2d), with PyTorch's semantics. Own kernels on both devices (one shared math header)
// rather than cuDNN's: they take bf16 activations with f32 statistics, are deterministic, and
// cuDNN 9 deprecates its batch-norm entry points.
#pragma once

#include "core/tensor.h"

namespace mdq {

// y = (x - mean) / sqrt(var + eps) * weight + bias per channel (the last dim).
// With batch statistics (training, or no running statistics given) mean and var are the
// batch's (biased variance), and running_mean/running_var, when defined, move in place:
//   running = (1 - momentum) * running + momentum * batch   (unbiased variance)
// Otherwise (eval) the running statistics normalise. weight and bias are [C] of
// stat_dtype(x) or undefined (non-affine); so are the running statistics. Differentiable in
// x, weight and bias through one autograd node. Needs more than one value per channel with
// batch statistics.
Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                  const Tensor& running_mean, const Tensor& running_var, bool training,
                  double momentum = 0.1, double eps = 1e-5);

// ---------------------------------------------------------------- raw kernels
// Forward. x, y contiguous; mean and invstd [C] receive the statistics used (batch or
// running), saved for the backward pass. batch_stats selects batch statistics; the running
// statistics are then updated when defined.
void batch_norm_forward_into(const Tensor& x, const Tensor& weight, const Tensor& bias,
                             const Tensor& running_mean, const Tensor& running_var,
                             bool batch_stats, double momentum, double eps, const Tensor& y,
                             const Tensor& mean, const Tensor& invstd);
// Backward. sums [2, C] receives sum(dy) and sum(dy * (x - mean)) per channel (the bias and,
// times invstd, the weight gradients); dx (undefined to skip) receives the data gradient.
void batch_norm_backward_into(const Tensor& x, const Tensor& dy, const Tensor& weight,
                              const Tensor& mean, const Tensor& invstd, bool batch_stats,
                              const Tensor& dx, const Tensor& sums);

struct BatchNormForward {
    const Tensor &x, &weight, &bias, &running_mean, &running_var;
    bool batch_stats;
    double momentum, eps;
    const Tensor &y, &mean, &invstd;
};
struct BatchNormBackward {
    const Tensor &x, &dy, &weight, &mean, &invstd;
    bool batch_stats;
    const Tensor &dx, &sums;
};

namespace cuda {
void batch_norm_forward(const BatchNormForward& a);
void batch_norm_backward(const BatchNormBackward& a);
}  // namespace cuda

}  // namespace mdq
