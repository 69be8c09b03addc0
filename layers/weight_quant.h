// EWGS's weight quantizer as a module (docs/QUANTIZATION.md, "EWGS weights"): the layer's latent
// weight w is normalised by a learned interval [l, u], rounded to L levels, mapped to [-1, 1]
// and multiplied by a learned output scale |alpha|:
//   w_q = |alpha| (2 x_q - 1),  x_q = round(clamp((w - l)/(u - l), 0, 1) (L - 1)) / (L - 1)
// with EWGS's backward through the rounding, g_xn = g_xq (1 + delta sign(g_xq) (x_n - x_q)).
// The normalisation and rounding are the EWGS activation op (kernels/quant/act_quant.h), so
// weights and activations share one formula and one kernel. l, u and alpha are parameters of
// role Quantizer ("lower", "upper", "scale"); the optimizer updates the latent weight as a
// float one (method ewgs, optim/quant_method.h) and never projects it.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "kernels/quant/act_quant.h"
#include "layers/hessian_probe.h"
#include "layers/module.h"

namespace mdq {

class EwgsWeightQuant : public Module {
  public:
    // levels in [2, 65536]; delta >= 0 (0: straight-through). Starts at [l, u] = [-1, 1],
    // alpha = 1 until calibrated.
    explicit EwgsWeightQuant(int levels, double delta = 0.0);

    Tensor forward(const Tensor& w) override;  // |alpha| (2 x_q - 1)
    std::string type_name() const override { return "EwgsWeightQuant"; }
    std::string describe() const override;  // "EwgsWeightQuant(4 levels, delta 0.001)"

    int levels() const { return options_.levels; }
    double delta() const { return options_.delta; }
    // Finite and >= 0. Kept in the buffer "delta" too, so checkpoints carry it (a delta from
    // the Hessian changes every epoch); reload_delta() takes it back after a checkpoint load.
    void set_delta(double delta);
    void reload_delta();
    Tensor lower() const { return lower_->value; }
    Tensor upper() const { return upper_->value; }
    Tensor scale() const { return scale_->value; }

    // The authors' interval from the weight: l = -3 std(w), u = 3 std(w) (at least kMinActRange
    // wide, so a constant weight still gives an interval).
    void calibrate_interval(const Tensor& w);
    void set_scale(double alpha);  // finite and nonzero

    // The Hessian probe of x_q (layers/hessian_probe.h). While it is armed the latent weight
    // and [l, u] are off the graph: the estimate needs dL/dx_q only.
    HessianProbe& probe() { return probe_; }

  private:
    ActQuantOptions options_;
    Parameter* lower_ = nullptr;
    Parameter* upper_ = nullptr;
    Parameter* scale_ = nullptr;
    Tensor* delta_buffer_ = nullptr;
    HessianProbe probe_;
};

// Attaches an EwgsWeightQuant to every Conv2d and Linear of m for which levels_of (given the
// weight's dotted name, e.g. "conv1.weight") is nonzero, with that many levels, on m's device.
// Returns how many.
int attach_weight_quantizers(Module& m, double delta,
                             const std::function<int(const std::string&)>& levels_of);

// Every EwgsWeightQuant of m with the dotted name of the weight it quantizes.
std::vector<std::pair<std::string, EwgsWeightQuant*>> weight_quantizers(Module& m);

// The authors' initialisation from one batch x: every interval from its weight, then each
// alpha = mean|y_fp| / mean|y_q| of the layer's output with the float and the quantized
// weight on the same input (one forward in training mode without gradient; batch-norm
// statistics restored).
void calibrate_weight_quantizers(Module& m, const Tensor& x);

}  // namespace mdq
