// Low-bit activations and gradients as modules (docs/QUANTIZATION.md, "Low-bit activations and
// gradients"). ActQuant quantizes a GEMM's input with DoReFa, a PACT-clipped uniform quantizer
// or EWGS (kernels/quant/act_quant.h); GradQuant is DoReFa's backward-only gradient quantizer on
// a GEMM's output. A placement pass attaches them to QuantizableLayers
// (attach_act_quantizers below); learned ends are parameters of role Quantizer.
#pragma once

#include <functional>
#include <string>

#include "kernels/quant/act_quant.h"
#include "layers/act_clip.h"
#include "layers/activation_quant.h"
#include "layers/hessian_probe.h"
#include "layers/module.h"

namespace mdq {

// "dorefa", "uniform", "ewgs"; throws listing them (and "none", which the caller handles).
ActQuantKind parse_act_quant_kind(const std::string& name);

class ActQuant : public Module, public QuantizesActivations {
  public:
    // bits in [1, 16]; EWGS delta >= 0. The learned ends start at [0, 1] until calibrate(),
    // which sets u as `calibration` says (layers/act_clip.h).
    ActQuant(ActQuantKind kind, int bits, double delta = 0.0,
             ActCalibration calibration = ActCalibration::Mse);

    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "ActQuant"; }
    std::string describe() const override;  // "ActQuant(ewgs, 2 bits, delta 0.001)"
    ActivationQuantInfo activation_quant() const override;

    ActQuantKind kind() const { return options_.kind; }
    int bits() const { return bits_; }
    double delta() const { return options_.delta; }
    // EWGS only (the others are straight-through); delta >= 0 and finite. EWGS keeps it in the
    // buffer "delta" too, so checkpoints carry a delta from the Hessian; reload_delta() takes it
    // back after a checkpoint load (a no-op for the other kinds).
    void set_delta(double delta);
    void reload_delta();
    // The Hessian probe of the quantized output (layers/hessian_probe.h), for EWGS's delta.
    HessianProbe& probe() { return probe_; }
    // The interval's ends (u is alpha for the uniform quantizer); undefined where fixed.
    Tensor lower() const { return lower_ ? lower_->value : Tensor(); }
    Tensor upper() const { return upper_ ? upper_->value : Tensor(); }
    // Sets the learned ends from one batch of this layer's input: l = min(x) (EWGS; the uniform
    // quantizer's is 0), u by the calibration rule. The next forward call calibrates when
    // `pending` is set (calibrate_act_quantizers).
    void calibrate(const Tensor& x);
    void request_calibration() { pending_ = true; }

  private:
    ActQuantOptions options_;
    int bits_;
    ActCalibration calibration_;
    Parameter* lower_ = nullptr;
    Parameter* upper_ = nullptr;
    Tensor* delta_buffer_ = nullptr;
    bool pending_ = false;
    HessianProbe probe_;
};

class GradQuant : public Module, public QuantizesActivations {
  public:
    explicit GradQuant(int bits);  // bits in [1, 16]
    // Identity; in training mode the gradient of the output is quantized (grad_quantize),
    // unless bypassed.
    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "GradQuant"; }
    std::string describe() const override;                  // "GradQuant(6 bits)"
    ActivationQuantInfo activation_quant() const override;  // float values, grad_bits
    int bits() const { return bits_; }
    // The Hessian estimate bypasses the quantizer: its noise, new at every forward call, would
    // swamp the finite differences of the gradient.
    void set_bypass(bool on) { bypass_ = on; }

  private:
    int bits_;
    bool bypass_ = false;
};

// What one weighted layer gets: bits 0 means none.
struct LayerIoBits {
    int act_bits = 0, grad_bits = 0;
    ActQuantKind act_kind = ActQuantKind::DoReFa;
    double delta = 0.0;
    ActCalibration calibration = ActCalibration::Mse;
};

// Attaches quantizers to every Conv2d/Linear of m, in module order, as `plan` says for each
// (given the layer's dotted name and its index among the weighted layers). Returns how many
// layers got at least one.
int attach_act_quantizers(Module& m,
                          const std::function<LayerIoBits(const std::string&, int)>& plan);

// Every ActQuant of m, with its dotted name.
std::vector<std::pair<std::string, ActQuant*>> act_quantizers(Module& m);

// Bypasses every GradQuant of m while it lives (GradQuant::set_bypass).
class GradQuantBypass {
  public:
    explicit GradQuantBypass(Module& m);
    ~GradQuantBypass();
    GradQuantBypass(const GradQuantBypass&) = delete;
    GradQuantBypass& operator=(const GradQuantBypass&) = delete;

  private:
    std::vector<GradQuant*> bypassed_;
};

// Calibrates every ActQuant of m from one forward pass of x (in training mode, no gradient);
// the batch-norm statistics are restored afterwards.
void calibrate_act_quantizers(Module& m, const Tensor& x);

}  // namespace mdq
