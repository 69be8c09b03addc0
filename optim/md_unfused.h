// The MD-tanh-S update done the eager way: one launch of an existing elementwise kernel per
// operation per tensor (the chain the fused step replaces). `mdq bench md` times it against
// the fused launch, and a test checks that both compute the same update (STYLE 3.3: the
// unfused composition is the reference of a fused kernel).
#pragma once

#include "core/tensor.h"
#include "optim/quant_optimizer.h"

namespace mdq {

// Scalars of one iteration, from the host as an eager framework would pass them.
struct UnfusedScalars {
    double adam_step = 0;  // lr sqrt(1 - b2^t) / (1 - b1^t)
    double lr = 0;         // SGD
    double beta_next = 1;  // the projection's beta
};

// Applies one MD-tanh-S step (Adam in the PyTorch-0.4 form, or SGD with momentum, no weight
// decay) to every md-tanh-s parameter of `opt` (binary or ternary) and float parameter, in
// place on its stored variable, state and arena weights (and the bf16 compute copy). `scratch`
// holds two f32 buffers of at least the largest parameter's size on the device. Returns the
// number of kernel launches.
int64_t md_tanh_s_step_unfused(const QuantOptimizer& opt, const UnfusedScalars& s,
                               const Tensor& scratch);

}  // namespace mdq
