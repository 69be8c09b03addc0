// Batch normalisation of a whole channels-last batch written with plain differentiable ops:
// the reference the synchronised version is compared with.
#pragma once

#include "core/tensor.h"

namespace mdq::testing {

// y = (x - mean) / sqrt(var + eps) * weight + bias over every dim but the last (biased var);
// weight and bias may be undefined.
Tensor reference_batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                            double eps = 1e-5);

}  // namespace mdq::testing
