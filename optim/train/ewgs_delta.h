// The config value `ewgs_delta` of EWGS (docs/QUANTIZATION.md, "EWGS weights"): a fixed gradient
// scaling delta >= 0 written as a number ("0.001"; "0" is the straight-through estimator), or
// "hessian": delta per layer from the Hessian trace, updated every epoch
// (optim/train/ewgs_training.h).
#pragma once

#include <string>

namespace mdq {

struct EwgsDelta {
    bool from_hessian = false;
    double value = 0.0;  // the fixed delta; the start value (plain STE) when from_hessian
};

// Throws naming the key for anything else (negative, not finite, not a number).
EwgsDelta parse_ewgs_delta(const std::string& text);

}  // namespace mdq
