// The base optimizers that act on a stored variable s (u, x, logits or the weight itself), as
// formulas shared by the CPU and the GPU: Adam in the authors' PyTorch-0.4 form (docs/METHOD.md K3,
// pitfall 6), modern AdamW, and SGD with momentum, Nesterov and weight decay. Each returns the
// step delta; the method decides how s moves by it (s - delta, or through P^-1 for primal MD).
// Also the per-iteration scalars, derived once per step from the schedules.
#pragma once

#include <cstdint>

#include "core/hd.h"
#include "kernels/common/scalar_math.h"
#include "optim/schedule.h"

namespace mdq {

enum class BaseOptimizer : uint8_t {
    Adam,   // PyTorch 0.4: eps on sqrt(v), step lr sqrt(1 - b2^t)/(1 - b1^t); L2 weight decay
    AdamW,  // PyTorch >= 1.x AdamW: eps on sqrt(v / (1 - b2^t)); decoupled weight decay
    Sgd,    // momentum buffer b = mu b + g, optional Nesterov g + mu b; L2 weight decay
};

struct BaseHyper {
    BaseOptimizer kind = BaseOptimizer::Adam;
    // 1 - beta is rounded from double, as PyTorch does: 1 - 0.999f in f32 is 1.3e-5 off.
    float beta1 = 0.9f, beta2 = 0.999f, one_minus_beta1 = 0.1f, one_minus_beta2 = 0.001f;
    float eps = 1e-8f;
    float momentum = 0.0f;
    bool nesterov = false;
};

// ProxQuant's regularisation schedule: lambda_t = lr_t * reg_rate * epoch(t), and from
// `freeze_step` on the weights are rounded and frozen (docs/METHOD.md 5); freeze_step < 0: never.
struct ProxSchedule {
    double reg_rate = 0.0;
    int64_t steps_per_epoch = 1;
    int64_t freeze_step = -1;
};

// Everything the step needs that depends on the iteration, evaluated on the device.
struct Schedules {
    LrSchedule lr;
    BetaSchedule beta;
    ProxSchedule prox;
    double beta1 = 0.9, beta2 = 0.999;  // Adam's, for the bias corrections
};

// Scalars of iteration t (the step that follows the t-th forward/backward, t from 0).
struct StepScalars {
    int64_t t = 0;
    float lr = 0;          // lr_t
    float adam_step = 0;   // Adam:  lr_t sqrt(1 - b2^(t+1)) / (1 - b1^(t+1))
    float adamw_step = 0;  // AdamW: lr_t / (1 - b1^(t+1))
    float sqrt_bc2 = 1;    // sqrt(1 - b2^(t+1))
    float beta = 1;        // beta_t: the forward just run used it (chain rules, primal MD)
    float beta_next = 1;   // beta_{t+1}: the projection the next forward reads (docs/METHOD.md K3)
    float prox_lambda = 0;
    int32_t prox_frozen = 0;
};

MDQ_HD StepScalars step_scalars(const Schedules& s, int64_t t) {
    StepScalars r;
    r.t = t;
    const double lr = s.lr.at(t);
    const double k = static_cast<double>(t + 1);
    const double bc1 = 1.0 - math::m_pow(s.beta1, k), bc2 = 1.0 - math::m_pow(s.beta2, k);
    r.lr = static_cast<float>(lr);
    r.adam_step = static_cast<float>(lr * math::m_sqrt(bc2) / bc1);
    r.adamw_step = static_cast<float>(lr / bc1);
    r.sqrt_bc2 = static_cast<float>(math::m_sqrt(bc2));
    r.beta = static_cast<float>(s.beta.at(t));
    r.beta_next = static_cast<float>(s.beta.at(t + 1));
    const int64_t epoch = t / s.prox.steps_per_epoch;
    r.prox_lambda = static_cast<float>(lr * s.prox.reg_rate * static_cast<double>(epoch));
    r.prox_frozen = (s.prox.freeze_step >= 0 && t >= s.prox.freeze_step) ? 1 : 0;
    return r;
}

namespace math {

// One element: updates the state (m, v; SGD keeps its buffer in m, which is null when
// momentum is 0) and returns delta with s_new = s - delta. lr_mult scales the rate per
// parameter; wd is the parameter's weight decay. K is a template argument so the fused
// kernel's inner loop carries no branch on it.
template <BaseOptimizer K>
MDQ_HD float base_delta(const BaseHyper& h, const StepScalars& sc, float lr_mult, float wd, float g,
                        float s, float* m, float* v) {
    if (K == BaseOptimizer::Adam) {
        g += wd * s;
        *m = h.beta1 * *m + h.one_minus_beta1 * g;
        *v = h.beta2 * *v + h.one_minus_beta2 * g * g;
        return sc.adam_step * lr_mult * (*m / (math::m_sqrt(*v) + h.eps));
    }
    if (K == BaseOptimizer::AdamW) {
        *m = h.beta1 * *m + h.one_minus_beta1 * g;
        *v = h.beta2 * *v + h.one_minus_beta2 * g * g;
        const float denom = math::m_sqrt(*v) / sc.sqrt_bc2 + h.eps;
        return sc.adamw_step * lr_mult * (*m / denom) + sc.lr * lr_mult * wd * s;
    }
    g += wd * s;  // SGD
    if (m == nullptr) return sc.lr * lr_mult * g;
    *m = h.momentum * *m + g;
    return sc.lr * lr_mult * (h.nesterov ? g + h.momentum * *m : *m);
}

}  // namespace math
}  // namespace mdq
