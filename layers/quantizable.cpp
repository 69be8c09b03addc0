#include "layers/quantizable.h"

#include "core/autograd.h"
#include "core/error.h"
#include "kernels/ops.h"
#include "layers/precision.h"
#include "layers/weight_quant.h"

namespace mdq {

void QuantizableLayer::attach_quantizers(ModulePtr input, ModulePtr output) {
    MDQ_CHECK(!(input && input_) && !(output && output_), describe(),
              ": quantizers are already attached");
    if (input) input_ = &register_module("act_quant", std::move(input));
    if (output) output_ = &register_module("grad_quant", std::move(output));
}

void QuantizableLayer::attach_weight_quantizer(std::shared_ptr<EwgsWeightQuant> q) {
    MDQ_CHECK(q, describe(), ": attach_weight_quantizer needs a quantizer");
    MDQ_CHECK(!weight_q_, describe(), ": a weight quantizer is already attached");
    weight_q_ = &register_module("weight_quant", std::move(q));
}

int64_t QuantizableLayer::own_parameters() {
    int64_t n = num_parameters();
    for (Module* q : {input_, output_, static_cast<Module*>(weight_q_)})
        if (q) n -= q->num_parameters();
    return n;
}

Tensor QuantizableLayer::with_weight(const Parameter& weight, DType dt,
                                     const std::function<Tensor(const Tensor&)>& gemm) {
    if (!weight_q_) return gemm(compute_weight(weight, dt));
    if (calibrate_) {
        calibrate_ = false;
        NoGradGuard no_grad;
        weight_q_->calibrate_interval(weight.value);
        weight_q_->set_scale(1.0);
        const double fp = mean(abs(gemm(compute_weight(weight, dt)))).item<double>();
        const double q = mean(abs(gemm((*weight_q_)(weight.value).to(dt)))).item<double>();
        if (q > 0 && fp > 0) weight_q_->set_scale(fp / q);
    }
    return gemm((*weight_q_)(weight.value).to(dt));
}

}  // namespace mdq
