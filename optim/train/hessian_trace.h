// Hutchinson's estimator of the traces of the diagonal blocks of a Hessian, with only first-order
// gradients (docs/QUANTIZATION.md, "EWGS weights"): for Rademacher probes v (+-1 entries),
// E[v^T H v] = Tr(H), and H v is a central finite difference of the gradient,
//   H v ~ (g(x + eps v) - g(x - eps v)) / (2 eps),
// exact for a quadratic loss and O(eps^2) off otherwise. One probe covers every block at once:
// the cross terms of v_a^T H_ab v_b have mean zero, so v_b^T (H v)_b estimates Tr(H_bb).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/tensor.h"

namespace mdq {

// The gradient of the loss with respect to every block at the point x + offsets (one offset
// per block, shaped like it; all undefined: at x itself).
using BlockGradients = std::function<std::vector<Tensor>(const std::vector<Tensor>& offsets)>;

struct HutchinsonOptions {
    int max_probes = 50;    // the EWGS authors' cap
    double rel_tol = 1e-3;  // stop once no block's running mean moved by more than this
                            // (relative); 0: always max_probes
    double eps = 1e-3;      // finite-difference step along v
    uint64_t seed = 0;      // Philox seed of the probes
    uint64_t stream = 0;
};

struct HutchinsonResult {
    std::vector<double> traces;  // per block
    int probes = 0;              // probes drawn
};

// The blocks' shapes, dtypes and device are those of `like`. Throws on max_probes < 1,
// eps <= 0, a negative rel_tol or a gradient of the wrong shape.
HutchinsonResult hutchinson_traces(const BlockGradients& grad, const std::vector<Tensor>& like,
                                   const HutchinsonOptions& o);

}  // namespace mdq
