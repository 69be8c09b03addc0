// QuantizableLayer: the base of Conv2d and Linear, the layers whose GEMM low-bit training
// quantizes. Besides the weight (quantized by the optimizer, docs/DESIGN.md decision 5) a
// placement pass may attach an activation quantizer on the layer's input and a gradient
// quantizer on its output (layers/act_quant.h). They become the children "act_quant" and
// "grad_quant", so the layer's own parameter names do not change and checkpoints of a
// weight-only run keep their keys.
#pragma once

#include "layers/module.h"

namespace mdq {

class QuantizableLayer : public Module {
  public:
    // Either may be null. Throws when the layer already has that quantizer.
    void attach_quantizers(ModulePtr input, ModulePtr output);
    Module* input_quantizer() const { return input_; }
    Module* output_quantizer() const { return output_; }
    // The layer's own parameters, without those of its quantizers.
    int64_t own_parameters();

  protected:
    Tensor quantize_input(const Tensor& x) { return input_ ? (*input_)(x) : x; }
    Tensor quantize_output(const Tensor& y) { return output_ ? (*output_)(y) : y; }

  private:
    Module* input_ = nullptr;
    Module* output_ = nullptr;
};

}  // namespace mdq
