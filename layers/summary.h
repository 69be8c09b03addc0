// A per-layer account of one forward pass (what `mdq summary` prints): every call of a leaf
// module (one without children, or a conv/linear with its attached quantizers), in call order, with
// its output shape, its parameters and its multiply-accumulates, recorded through the ModuleTracer
// hook.
#pragma once

#include <string>
#include <vector>

#include "layers/module.h"

namespace mdq {

struct LayerRecord {
    std::string name;  // dotted path in the model, e.g. "layer1.0.conv1"
    std::string type;  // describe(), e.g. "Conv2d(64, 64, k=3, s=1, p=1, no bias)"
    Shape output;
    int64_t params = 0;  // the layer's own parameters; 0 when it was already listed
    int64_t macs = 0;
    // The call's input and output, kept alive so that their data pointers tell which layer
    // read which layer's output (the quantization card follows activation quantizers so).
    Tensor input, output_value;
};

// Runs m on x without recording gradients (in m's current train/eval mode) and returns the
// leaf calls. Throws what forward throws.
std::vector<LayerRecord> trace_layers(Module& m, const Tensor& x);

}  // namespace mdq
