#include "layers/weight_quant.h"

#include <cmath>

#include "core/autograd.h"
#include "kernels/ops.h"
#include "layers/calibration.h"
#include "layers/quantizable.h"

namespace mdq {

EwgsWeightQuant::EwgsWeightQuant(int levels, double delta) {
    MDQ_CHECK(levels >= 2 && levels <= 65536, "EwgsWeightQuant: levels must be in [2, 65536], got ",
              levels);
    options_.kind = ActQuantKind::Ewgs;
    options_.levels = levels;
    delta_buffer_ = &register_buffer("delta", Tensor::zeros({1}));
    set_delta(delta);
    lower_ = &register_parameter("lower", Tensor::full({1}, -1.0), ParamRole::Quantizer);
    upper_ = &register_parameter("upper", Tensor::ones({1}), ParamRole::Quantizer);
    scale_ = &register_parameter("scale", Tensor::ones({1}), ParamRole::Quantizer);
}

void EwgsWeightQuant::set_delta(double delta) {
    MDQ_CHECK(std::isfinite(delta) && delta >= 0.0, describe(),
              ": delta must be finite and >= 0, got ", delta);
    options_.delta = delta;
    delta_buffer_->fill_(delta);
}

void EwgsWeightQuant::reload_delta() {
    set_delta(delta_buffer_->item<double>());
}

std::string EwgsWeightQuant::describe() const {
    return detail::cat("EwgsWeightQuant(", options_.levels, " levels, delta ", options_.delta, ")");
}

void EwgsWeightQuant::calibrate_interval(const Tensor& w) {
    check_defined("EwgsWeightQuant::calibrate_interval", w);
    MDQ_CHECK(w.numel() > 1, describe(), ": the interval needs a weight tensor, got ", w.str());
    NoGradGuard no_grad;
    const Tensor wf = w.detach().to(lower_->value.dtype());
    const double mu = mean(wf).item<double>(), sq = mean(wf * wf).item<double>();
    const double half = std::max(3.0 * std::sqrt(std::max(sq - mu * mu, 0.0)), math::kMinActRange);
    lower_->value.fill_(-half);
    upper_->value.fill_(half);
}

void EwgsWeightQuant::set_scale(double alpha) {
    MDQ_CHECK(std::isfinite(alpha) && alpha != 0.0, describe(),
              ": the output scale must be finite and nonzero, got ", alpha);
    scale_->value.fill_(alpha);
}

Tensor EwgsWeightQuant::forward(const Tensor& w) {
    check_defined("EwgsWeightQuant", w);
    Tensor xq = act_quantize(w, lower(), upper(), options_);
    if (probe_.armed()) xq = probe_.apply(xq.detach(), describe());
    return abs(scale().to(w.dtype())) * (xq * 2.0 - 1.0);
}

int attach_weight_quantizers(Module& m, double delta,
                             const std::function<int(const std::string&)>& levels_of) {
    std::vector<std::pair<std::string, QuantizableLayer*>> layers;
    for (auto& [name, mod] : m.named_modules())
        if (auto* q = dynamic_cast<QuantizableLayer*>(mod)) layers.emplace_back(name, q);
    int attached = 0;
    for (auto& [name, layer] : layers) {
        const int levels = levels_of(name.empty() ? "weight" : name + ".weight");
        if (levels == 0) continue;
        auto q = std::make_shared<EwgsWeightQuant>(levels, delta);
        q->to(m.device());
        layer->attach_weight_quantizer(q);
        ++attached;
    }
    return attached;
}

std::vector<std::pair<std::string, EwgsWeightQuant*>> weight_quantizers(Module& m) {
    std::vector<std::pair<std::string, EwgsWeightQuant*>> r;
    for (auto& [name, mod] : m.named_modules())
        if (auto* q = dynamic_cast<QuantizableLayer*>(mod))
            if (q->weight_quantizer())
                r.emplace_back(name.empty() ? "weight" : name + ".weight", q->weight_quantizer());
    return r;
}

void calibrate_weight_quantizers(Module& m, const Tensor& x) {
    bool any = false;
    for (auto& [name, mod] : m.named_modules())
        if (auto* q = dynamic_cast<QuantizableLayer*>(mod); q && q->weight_quantizer()) {
            q->request_scale_calibration();
            any = true;
        }
    if (any) calibration_forward(m, x);
}

}  // namespace mdq
