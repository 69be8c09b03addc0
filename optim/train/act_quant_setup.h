// Low-bit activations and gradients in a training run (docs/QUANTIZATION.md, "Low-bit
// activations and gradients"): the configuration keys act_bits, act_quantizer,
// act_calibration, grad_bits, ewgs_delta, layer_act_bits, layer_grad_bits and first_last,
// checked with errors a user can act on; the placement of the quantizer layers
// (layers/act_quant.h) on a model of the zoo; the weight rules of the first/last-layer policy;
// and the optimizer of the quantizers' own parameters (the Quantizer parameter group).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "layers/act_quant.h"
#include "optim/quant_config.h"
#include "optim/train/config.h"

namespace mdq {

// What the first and the last conv/linear layer get: quantized like the rest, kept in float
// (weights, input activations, output gradients), or 8 bits wherever the rest is quantized.
enum class FirstLast { Same, KeepFloat, Bits8 };
const char* first_last_name(FirstLast f);
FirstLast parse_first_last(const std::string& name);  // same, keep-float, 8bit

struct IoQuantSettings {
    int act_bits = 32;                     // 32: float
    std::optional<ActQuantKind> act_kind;  // none
    int grad_bits = 32;
    double ewgs_delta = 0.0;                               // of EWGS activation quantizers
    ActCalibration act_calibration = ActCalibration::Mse;  // of the learned clips
    // Layer-name glob -> bits (32: float), applied after the global bits and first_last.
    std::vector<std::pair<std::string, int>> layer_act_bits, layer_grad_bits;
    FirstLast first_last = FirstLast::Same;
    // Some layer may get an activation or gradient quantizer.
    bool any() const;
};

// Reads and checks the keys: bits in 1..16 or 32, act_bits < 32 (anywhere) needs a quantizer,
// a quantizer needs some act_bits < 32, ewgs_delta only with ewgs.
IoQuantSettings io_quant_settings_from(const Config& cfg);

// The bits of layer `index` of `count` conv/linear layers (module order) named `layer`. The
// first layer's input is the image and never quantized.
LayerIoBits layer_io_bits(const IoQuantSettings& s, const std::string& layer, int index, int count);

// The dotted names of m's conv/linear layers, in module order.
std::vector<std::string> gemm_layer_names(Module& m);

// Attaches the quantizers `s` asks for to `model` (a model of the zoo named `model_name`) and
// returns how many layers got one. Throws when a per-layer pattern matches no layer, or when
// activations are quantized on a model whose conv/linear inputs are not ReLU outputs.
int place_io_quantizers(Module& model, const std::string& model_name, const IoQuantSettings& s);

// The weight rules of first_last for the first and last conv/linear layers of m (none for
// Same); `spec` is the run's weight spec, whose method must support 256 levels for Bits8.
std::vector<QuantRule> first_last_weight_rules(Module& m, FirstLast policy, const QuantSpec& spec);

// The Quantizer group's optimizer: quantizer_optimizer at quantizer_lr under the weights'
// schedule shape (warm-up, decay), no weight decay.
OptimConfig quantizer_optim_config(const Config& cfg, const OptimConfig& weights);

// The weights' QuantConfig of a run with activation quantizers (their ends left out) and the
// first/last rules added, and the quantizer group's (only the ends).
QuantConfig weight_group(QuantConfig q, Module& m, FirstLast policy);
QuantConfig quantizer_group(const QuantConfig& weights);

// Sum of the parameters of role Quantizer in m.
int64_t quantizer_parameters(Module& m);

}  // namespace mdq
