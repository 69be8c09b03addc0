// The model zoo: models by name, built from layers/ only. The CIFAR/TinyImageNet models follow
// docs/METHOD.md section 3 (non-affine batch norm unless affine_bn); the ImageNet ones follow
// torchvision (affine batch norm). Activations are NHWC; every model returns f32 logits
// [N, num_classes].
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "layers/module.h"

namespace mdq {

struct ModelOptions {
    int64_t num_classes = 0;  // 0: the model's default
    int64_t input_h = 0;      // 0: the model's default input size
    int64_t input_w = 0;
    int64_t in_channels = 0;        // 0: the model's default
    std::optional<bool> affine_bn;  // unset: the model's default
    uint64_t seed = 0;              // init_parameters() seed
    // A thinned model (docs/PRUNING.md): channels kept per batch norm, by its dotted name; the
    // conv or linear layer feeding it and the one reading it follow. Unnamed ones keep their
    // width; batch norms tied by a residual add must be given the same width.
    std::map<std::string, int64_t> widths;
};

struct ModelInfo {
    std::string name, description;
    int64_t input_h, input_w, in_channels, num_classes;
    bool affine_bn;
    // Every conv/linear layer but the first reads a ReLU output (maybe pooled or flattened), so
    // activation quantizers on [0, u] fit their inputs (MobileNetV2's linear bottlenecks do not).
    bool relu_inputs = true;
};

// The registered models, in a fixed order.
const std::vector<ModelInfo>& model_infos();
std::vector<std::string> model_names();
// Throws naming the known models when `name` is not one of them.
const ModelInfo& model_info(const std::string& name);
// Fills the unset (0 / nullopt) fields of o with the model's defaults.
ModelOptions resolve_options(const std::string& name, const ModelOptions& o);

// Builds and initialises (init_parameters with o.seed) the model. Throws naming the known
// models for an unknown name, naming the model for an input it cannot take, and naming the
// batch norm when o.widths names one the model lacks or one it cannot narrow.
ModulePtr build_model(const std::string& name, const ModelOptions& o = {});

}  // namespace mdq
