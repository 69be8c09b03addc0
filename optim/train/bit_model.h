// Inference of an exported quantized model with the bit kernels (docs/INFERENCE.md): the model
// is walked in order (into nested Sequentials) and every Conv2d or Linear whose weight the
// export packs as binary or ternary codes runs on bits:
//   - a float input (the first layer, weight-only models): sign-select, no multiplications
//     (kernels/bitconv/signsel.h);
//   - an input quantized by an ActQuant (k-bit codes): the codes packed as bit planes and an
//     XOR-popcount convolution (kernels/bitconv/bitconv.h), exact in integers, then scaled.
//     When such a layer follows "bit layer -> batch norm [-> ReLU]" directly and its quantizer
//     is DoReFa's, batch norm and the quantizer fold into per-channel thresholds that write
//     the packed codes straight from the previous layer's output (bitpack.h).
// Everything else (pooling, batch norm elsewhere, residual blocks, float layers) runs the
// module's own float forward, so any model runs and the bit layers are a drop-in.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kernels/bitconv/bitconv.h"
#include "layers/module.h"

namespace mdq {

class BitModel {
  public:
    // `model`: built from the export's configuration with its weights loaded (load_export),
    // on the CPU; `packed`: the export's packed weights by parameter name. Keeps references
    // to model's modules. `scales`: the factor of a packed weight's level values (the export's
    // "scale": mean|u| for DoReFa k = 1, |alpha| for EWGS), 1 for a name not in it.
    BitModel(Module& model, const std::vector<std::pair<std::string, PackedTensor>>& packed,
             const std::map<std::string, double>& scales = {}, BitIsa isa = BitIsa::Auto);
    // f32 NHWC images -> f32 logits, in eval mode without gradients.
    Tensor forward(const Tensor& x);
    // One line per step: its name and the kernel it runs.
    std::vector<std::string> plan() const;
    int64_t bit_layers() const;
    int64_t weight_bytes() const { return weight_bytes_; }  // of the packed bit planes

  private:
    enum class Kind { Float, SignSelect, BitPlanes, Skip };
    struct Step {
        Kind kind = Kind::Float;
        std::string name;
        Module* module = nullptr;
        BitConvWeights w;
        double scale = 1;  // of the weights' level values
        Tensor bias;       // f32 [O] or undefined
        Conv2dArgs args;   // a linear layer is a 1x1 convolution
        bool linear = false;
        int bits = 0;          // of the ActQuant codes (BitPlanes)
        bool fused = false;    // BitPlanes: codes come packed from the thresholds before it
        ChannelThresholds th;  // "Skip" steps before a fused layer: the folded batch norm
    };
    void add(Module& m, const std::string& name,
             const std::vector<std::pair<std::string, PackedTensor>>& packed,
             const std::map<std::string, double>& scales);
    void fuse_thresholds();
    Tensor run_bit_layer(const Step& s, const Tensor& x, const BitActs* packed_in);

    std::vector<Step> steps_;
    BitIsa isa_;
    int64_t weight_bytes_ = 0;
};

}  // namespace mdq
