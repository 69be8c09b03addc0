// QuantizableLayer: the base of Conv2d and Linear, the layers whose GEMM low-bit training
// quantizes. Besides the weight (quantized by the optimizer, docs/DESIGN.md decision 5) a
// placement pass may attach an activation quantizer on the layer's input and a gradient
// quantizer on its output (layers/act_quant.h). They become the children "act_quant" and
// "grad_quant", so the layer's own parameter names do not change and checkpoints of a
// weight-only run keep their keys. With method ewgs the weight itself goes through an
// EwgsWeightQuant (layers/weight_quant.h), the child "weight_quant".
#pragma once

#include <functional>
#include <memory>

#include "layers/module.h"

namespace mdq {

class EwgsWeightQuant;

class QuantizableLayer : public Module {
  public:
    // Either may be null. Throws when the layer already has that quantizer.
    void attach_quantizers(ModulePtr input, ModulePtr output);
    Module* input_quantizer() const { return input_; }
    Module* output_quantizer() const { return output_; }
    // Throws when the layer already has one.
    void attach_weight_quantizer(std::shared_ptr<EwgsWeightQuant> q);
    EwgsWeightQuant* weight_quantizer() const { return weight_q_; }
    // The next forward calibrates the weight quantizer: its interval from the weight, then its
    // output scale alpha = mean|y_fp| / mean|y_q| on that forward's input (the EWGS authors').
    void request_scale_calibration() { calibrate_ = true; }
    // The layer's own parameters, without those of its quantizers.
    int64_t own_parameters();

  protected:
    Tensor quantize_input(const Tensor& x) { return input_ ? (*input_)(x) : x; }
    Tensor quantize_output(const Tensor& y) { return output_ ? (*output_)(y) : y; }
    // gemm(weight) with the weight this layer computes with in dtype dt: the parameter, or its
    // quantized form when a weight quantizer is attached (quantized in the parameter's dtype).
    Tensor with_weight(const Parameter& weight, DType dt,
                       const std::function<Tensor(const Tensor&)>& gemm);

  private:
    Module* input_ = nullptr;
    Module* output_ = nullptr;
    EwgsWeightQuant* weight_q_ = nullptr;
    bool calibrate_ = false;
};

}  // namespace mdq
