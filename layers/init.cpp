#include "layers/init.h"

#include <cmath>

#include "core/autograd.h"
#include "kernels/fill/fill.h"

namespace mdq {

int64_t fan_in(const Tensor& weight) {
    MDQ_CHECK(weight.dim() >= 2 && weight.size(0) > 0, "fan_in: needs a weight [out, ...], got ",
              weight.str());
    return weight.numel() / weight.size(0);
}

int64_t fan_out(const Tensor& weight) {
    MDQ_CHECK(weight.dim() >= 2 && weight.size(-1) > 0, "fan_out: needs a weight [out, ...], got ",
              weight.str());
    return weight.numel() / weight.size(-1);  // out * receptive field (OHWI: in is the last dim)
}

void uniform_fan_in_(const Tensor& t, int64_t fan, Generator* gen) {
    MDQ_CHECK(fan > 0, "uniform_fan_in_: fan_in must be positive, got ", fan);
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan));
    NoGradGuard no_grad;
    uniform_(t, -bound, bound, gen);
}

void xavier_uniform_(const Tensor& weight, Generator* gen) {
    const double bound = std::sqrt(6.0 / static_cast<double>(fan_in(weight) + fan_out(weight)));
    NoGradGuard no_grad;
    uniform_(weight, -bound, bound, gen);
}

void init_parameters(Module& m, uint64_t seed) {
    NoGradGuard no_grad;
    uint64_t stream = 0;
    for (auto& [name, p] : m.named_parameters()) {
        Generator gen(seed, stream++);
        switch (p->role) {
            case ParamRole::Weight:
                xavier_uniform_(p->value, &gen);
                break;
            case ParamRole::NormScale:
                p->value.fill_(1.0);
                break;
            case ParamRole::Bias:
            case ParamRole::NormShift:
            case ParamRole::Other:
                p->value.fill_(0.0);
                break;
            case ParamRole::Quantizer:  // calibrated from data (calibrate_act_quantizers)
                break;
        }
    }
}

}  // namespace mdq
