// Initialization of the stored variables (docs/QUANTIZATION.md, "Initialization").
// The authors draw u Xavier-uniform and project at beta = 1 (docs/METHOD.md 2); for ternary and
// k-level tanh methods that leaves almost every weight in the zero band (pitfall 11), so by
// default the -S and GD tanh methods put u at the transition between the two levels around
// w0 ~ U(-1, 1), offset by up to the Xavier bound (Midpoints: every level used, and every u a few
// steps from a neighbouring level), and primal md-tanh starts from x = w0 (Levels). Randomness
// is Philox, one stream per parameter, so the result does not depend on the device or on the
// other parameters.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "optim/quant_config.h"

namespace mdq {

// The init mode `Auto` resolves to for a spec.
InitMode resolved_init(const QuantSpec& spec);

// Xavier-uniform bound sqrt(6 / (fan_in + fan_out)) of a shape with at least 2 dims (OHWI
// convolutions, [out, in] linear layers); fan_in = numel / shape[0], fan_out = numel /
// shape[last]. The simplex methods pass their d-expanded [O*d, ...] shape (pitfall 11).
double xavier_bound(const Shape& shape);

// Fills `stored` (weight-shaped, or [O*d, ...] for simplex methods) for `spec`. `weight` is
// the parameter's current value: read by FromValues, and written for the methods that store
// the weight itself (primal md-tanh). seed/stream select the Philox stream.
void init_stored(const QuantSpec& spec, double beta0, const Tensor& stored, const Tensor& weight,
                 uint64_t seed, uint64_t stream);

}  // namespace mdq
