#include "layers/act_quant.h"

#include <algorithm>
#include <cmath>

#include "core/autograd.h"
#include "kernels/ops.h"
#include "layers/calibration.h"
#include "layers/quantizable.h"

namespace mdq {

namespace {

int levels_of(const char* who, int bits) {
    MDQ_CHECK(bits >= 1 && bits <= 16, who, ": bits must be in [1, 16] (32 means no quantizer), ",
              "got ", bits);
    return 1 << bits;
}

}  // namespace

ActQuantKind parse_act_quant_kind(const std::string& name) {
    if (name == "dorefa") return ActQuantKind::DoReFa;
    if (name == "uniform") return ActQuantKind::Uniform;
    if (name == "ewgs") return ActQuantKind::Ewgs;
    MDQ_THROW(ValueError, "act_quantizer must be none, dorefa, uniform or ewgs, got '", name, "'");
}

ActQuant::ActQuant(ActQuantKind kind, int bits, double delta, ActCalibration calibration)
    : bits_(bits), calibration_(calibration) {
    options_.kind = kind;
    options_.levels = levels_of("ActQuant", bits);
    if (kind == ActQuantKind::Ewgs) {
        lower_ = &register_parameter("lower", Tensor::zeros({1}), ParamRole::Quantizer);
        // f64: the delta a resumed run reads back is the one it saved, to the bit.
        delta_buffer_ = &register_buffer("delta", Tensor::zeros({1}, DType::F64));
    }
    set_delta(delta);
    if (kind != ActQuantKind::DoReFa)
        upper_ = &register_parameter("upper", Tensor::ones({1}), ParamRole::Quantizer);
}

void ActQuant::set_delta(double delta) {
    MDQ_CHECK(std::isfinite(delta) && delta >= 0.0, describe(),
              ": delta must be finite and >= 0, got ", delta);
    MDQ_CHECK(delta == 0.0 || options_.kind == ActQuantKind::Ewgs, describe(),
              ": only the ewgs quantizer scales gradients (delta), got ", delta);
    options_.delta = delta;
    if (delta_buffer_) delta_buffer_->fill_(delta);
}

void ActQuant::reload_delta() {
    if (delta_buffer_) set_delta(delta_buffer_->item<double>());
}

std::string ActQuant::describe() const {
    std::string s = detail::cat("ActQuant(", act_quant_kind_name(options_.kind), ", ", bits_,
                                bits_ == 1 ? " bit" : " bits");
    if (options_.kind == ActQuantKind::Ewgs) s += detail::cat(", delta ", options_.delta);
    return s + ")";
}

ActivationQuantInfo ActQuant::activation_quant() const {
    ActivationQuantInfo a;
    a.bits = bits_;
    a.levels = options_.levels;
    a.quantizer = act_quant_kind_name(options_.kind);
    switch (options_.kind) {
        case ActQuantKind::DoReFa:
            a.scale = "fixed clip [0, 1]";
            break;
        case ActQuantKind::Uniform:
            a.scale = detail::cat("learned clip alpha (PACT), calibrated on one batch (",
                                  act_calibration_name(calibration_), ")");
            break;
        case ActQuantKind::Ewgs:
            a.scale = detail::cat("learned interval [l, u], calibrated on one batch (",
                                  act_calibration_name(calibration_), "), output in [0, 1]; ",
                                  "EWGS backward, delta ", options_.delta);
            break;
    }
    a.rounding = "nearest (half to even)";
    return a;
}

void ActQuant::calibrate(const Tensor& x) {
    check_defined("ActQuant::calibrate", x);
    MDQ_CHECK(x.numel() > 1, describe(), ": calibration needs a batch, got ", x.str());
    if (!upper_) return;
    NoGradGuard no_grad;
    const std::vector<double> values = x.detach().to_vector<double>();
    const double lo = lower_ ? *std::min_element(values.begin(), values.end()) : 0.0;
    const double hi =
        calibrated_upper(calibration_, values, lo, options_.levels, 2 * math::kMinActRange);
    if (lower_) lower_->value.fill_(lo);
    upper_->value.fill_(hi);
}

Tensor ActQuant::forward(const Tensor& x) {
    check_defined("ActQuant", x);
    if (pending_) {
        calibrate(x);
        pending_ = false;
    }
    const Tensor lo = lower(), hi = upper();
    const Tensor y = act_quantize(x, lo, hi, options_);
    return probe_.armed() ? probe_.apply(y, describe()) : y;
}

GradQuant::GradQuant(int bits) : bits_(bits) {
    levels_of("GradQuant", bits);
}

std::string GradQuant::describe() const {
    return detail::cat("GradQuant(", bits_, bits_ == 1 ? " bit)" : " bits)");
}

ActivationQuantInfo GradQuant::activation_quant() const {
    ActivationQuantInfo a;
    a.grad_bits = bits_;
    a.quantizer = "dorefa gradient";
    a.grad_rounding = "stochastic (Philox uniform noise), per-sample max scale";
    return a;
}

Tensor GradQuant::forward(const Tensor& x) {
    return is_training() && !bypass_ ? grad_quantize(x, bits_) : x;
}

int attach_act_quantizers(Module& m,
                          const std::function<LayerIoBits(const std::string&, int)>& plan) {
    std::vector<std::pair<std::string, QuantizableLayer*>> layers;
    for (auto& [name, mod] : m.named_modules())
        if (auto* q = dynamic_cast<QuantizableLayer*>(mod)) layers.emplace_back(name, q);
    int attached = 0, index = 0;
    for (auto& [name, layer] : layers) {
        const LayerIoBits b = plan(name, index++);
        ModulePtr in = b.act_bits > 0 ? std::make_shared<ActQuant>(b.act_kind, b.act_bits, b.delta,
                                                                   b.calibration)
                                      : nullptr;
        ModulePtr out = b.grad_bits > 0 ? std::make_shared<GradQuant>(b.grad_bits) : nullptr;
        if (!in && !out) continue;
        if (in) in->to(m.device());
        layer->attach_quantizers(in, out);
        ++attached;
    }
    return attached;
}

std::vector<std::pair<std::string, ActQuant*>> act_quantizers(Module& m) {
    std::vector<std::pair<std::string, ActQuant*>> r;
    for (auto& [name, mod] : m.named_modules())
        if (auto* a = dynamic_cast<ActQuant*>(mod)) r.emplace_back(name, a);
    return r;
}

GradQuantBypass::GradQuantBypass(Module& m) {
    for (auto& [name, mod] : m.named_modules())
        if (auto* g = dynamic_cast<GradQuant*>(mod)) {
            g->set_bypass(true);
            bypassed_.push_back(g);
        }
}

GradQuantBypass::~GradQuantBypass() {
    for (GradQuant* g : bypassed_)
        g->set_bypass(false);
}

void calibrate_act_quantizers(Module& m, const Tensor& x) {
    const auto quantizers = act_quantizers(m);
    if (quantizers.empty()) return;
    for (auto& [name, a] : quantizers)
        a->request_calibration();
    calibration_forward(m, x);
}

}  // namespace mdq
