// The quantization card of a run (docs/CARD.md, schema "mdq.quant_card" version 1): per layer
// the weight, activation and gradient bits with how they are quantized (granularity, symmetry,
// scale and zero point, observer, rounding), what stays in high precision, and for the model
// the parameters, size in bits, compression, MACs, BOPs (MACs * w_bits * a_bits) and the
// weighted average bit-widths; the training or calibration side comes in as JSON. The numbers
// come from one traced forward pass (batch 1), so every model of the zoo gets them without a
// hand-kept table.
//
// Who quantizes what is a QuantScheme: the weight-only methods of a training run
// (optim/train/card_schemes.h), post-training quantization (optim/train/ptq.h). Activation
// quantizer layers (layers/activation_quant.h) are read from the model itself.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "layers/module.h"

namespace mdq {

constexpr int kCardVersion = 1;

// How one tensor (a parameter, an activation, a gradient) is represented.
struct TensorQuant {
    int bits = 32;                     // bits of one stored value; 32: float
    int levels = 0;                    // distinct values; 0: float
    std::string scheme = "float";      // float, fixed-levels, affine
    std::string granularity = "none";  // none, tensor, channel
    bool symmetric = true;
    std::string scale = "none";       // how the scale is set and kept
    std::string zero_point = "none";  // none, or how it is set
    std::string rounding = "none";    // nearest, stochastic, sign, argmax, ...
    std::string observer = "none";    // none, minmax, ema, percentile, mse, learned
    std::string by = "none";          // what quantizes it: a method, ptq, a layer
    bool quantized() const { return levels > 0; }
    nlohmann::json to_json() const;
    static TensorQuant from_json(const nlohmann::json& j);
};

// The quantization choices of a run, asked per parameter and per activation site.
class QuantScheme {
  public:
    virtual ~QuantScheme() = default;
    // A parameter by its dotted name.
    virtual TensorQuant parameter(const std::string& name) const = 0;
    // The activation a conv/linear layer reads (its GEMM input), when no activation quantizer
    // layer of the model produced it. `first` is the first such layer of the forward pass.
    virtual TensorQuant gemm_input(const std::string& layer, bool first) const = 0;
    // The gradient flowing into a conv/linear layer's output.
    virtual TensorQuant gradient(const std::string& layer) const = 0;
    // The output of a pooling layer and of a residual add (the "precision highway").
    virtual TensorQuant pooling_output(const std::string& layer) const = 0;
    virtual TensorQuant residual_output() const = 0;
    // Scheme-wide facts: observer, calibration set, first/last layer rule, BN folding, ...
    virtual nlohmann::json summary() const = 0;
};

struct CardInput {
    std::string command;  // train, eval, ptq
    std::string model_name;
    int64_t input_h = 0, input_w = 0, in_channels = 0, num_classes = 0;
    nlohmann::json training = nlohmann::json::object();  // method, schedule, data, seed
    nlohmann::json data = nlohmann::json::object();      // what the reported numbers used
    nlohmann::json results = nlohmann::json::object();   // accuracies of the run
};

// Traces `model` (eval mode, no gradients, restored afterwards) on one zero image and builds the
// card. Throws when the model cannot run on that input.
nlohmann::json build_card(Module& model, const QuantScheme& scheme, const CardInput& in);

// A conv/linear layer: a leaf whose parameter "weight" multiplies its input (role Weight).
bool is_gemm_layer(Module& m);

// The build's source commit (configure time; "unknown" outside a git checkout).
std::string build_commit();

}  // namespace mdq
