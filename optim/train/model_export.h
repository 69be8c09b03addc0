// Deployable export of a trained quantized model: DIR/model.safetensors holds every quantized
// parameter as packed level codes (1 bit per binary weight, 2 per ternary, ceil(log2 d) per
// d-level weight; u8 tensors named "<param>.packed") and every float parameter and buffer as
// it is; DIR/model.json says how to decode them (shape, levels, bits, the level values, the
// bit order) plus the model and its input geometry, and the activation quantizers of the
// conv/linear layers with their learned ends (docs/TRAINING.md, "Evaluation and export").
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "kernels/quant/pack.h"
#include "optim/train/experiment.h"

namespace mdq {

struct ExportedModel {
    nlohmann::json meta;                   // model.json
    std::map<std::string, Tensor> floats;  // float parameters and buffers by name
    std::vector<std::pair<std::string, PackedTensor>> packed;
    std::map<std::string, double> scales;  // factor of each packed parameter's level values
};

// A weight that its layer quantizes (EWGS, layers/weight_quant.h): the codes of its hard
// value |alpha| (2 x_q - 1) on the uniform levels of [-1, 1], and |alpha|.
struct LayerQuantizedWeight {
    PackedTensor packed;
    double scale = 1;
};
std::vector<std::pair<std::string, LayerQuantizedWeight>> layer_quantized_codes(Module& model);

// Writes the hard-quantized weights of ex's optimizer at its current beta, and those the
// layers quantize.
void write_export(const std::string& dir, Experiment& ex);
ExportedModel read_export(const std::string& dir);
// Puts an export's weights into a model built with the same configuration: float tensors
// through load_state_dict, packed ones unpacked into the parameter arena (times their scale;
// a layer-quantized weight as the point of its quantizer's interval that gives its code).
void load_export(const ExportedModel& e, Experiment& ex);

}  // namespace mdq
