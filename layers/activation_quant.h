// What a layer that quantizes activations says about itself, so the quantization card
// (optim/train/quant_card.h, docs/CARD.md) reads activation and gradient bit-widths from the
// model instead of a hand-kept list: an activation quantizer module implements
// QuantizesActivations, and the card gives its output's description to every conv/linear layer
// that reads that output. Modules that do not implement it are float (32 bits).
#pragma once

#include <string>

namespace mdq {

struct ActivationQuantInfo {
    int bits = 32;       // bits of one activation value
    int levels = 0;      // distinct values (0: float)
    int grad_bits = 32;  // bits of the gradient flowing back through the layer (32: float)
    std::string quantizer = "none";  // e.g. "dorefa", "ewgs", "uniform"
    std::string granularity = "tensor";
    bool symmetric = false;
    std::string scale = "none";  // how the clip range / scale is set
    std::string rounding = "nearest";
    std::string grad_rounding = "none";
};

class QuantizesActivations {
  public:
    virtual ~QuantizesActivations() = default;
    virtual ActivationQuantInfo activation_quant() const = 0;
};

}  // namespace mdq
