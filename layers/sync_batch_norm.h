// Synchronised batch normalisation for data-parallel training (train config key sync_bn):
// the statistics are those of the global batch, as if one process held it. Each rank reduces
// its shard; per-channel sums (with the example count) and then centred sums of squares are
// all-reduced, so the variance is computed in two passes without cancellation. Backward needs
// one more all-reduce, of the per-channel gradients of the mean and variance, made by the
// autograd node of the statistics. Every rank must call it for the same layers in the same
// order, which the same model and batch size guarantee.
#pragma once

#include <memory>

#include "core/comm/communicator.h"
#include "core/tensor.h"

namespace mdq {

// x channels-last ([N, C] or [N, H, W, C]), f32 or f64, on comm's device; weight, bias,
// running_mean and running_var [C] of x's dtype or undefined. Returns
//   y = (x - mean) / sqrt(var + eps) * weight + bias
// with the global batch's mean and biased variance, differentiable in x, weight and bias.
// The running statistics, when defined, move in place by
//   running = (1 - momentum) * running + momentum * batch  (unbiased variance),
// identically on every rank.
Tensor sync_batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                       const Tensor& running_mean, const Tensor& running_var, double momentum,
                       double eps, const std::shared_ptr<comm::Communicator>& comm);

}  // namespace mdq
