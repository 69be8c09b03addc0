// Which parameters are quantized, and how (docs/DESIGN.md decision 5). A QuantSpec is the choice
// for one parameter; a QuantConfig picks specs by rules: by default every weight and bias of
// the Conv2d and Linear layers, first and last layers included (docs/METHOD.md 2), gets the
// config's spec and everything else stays float; then name-pattern rules exempt parameters or
// change their levels or method (mixed precision builds on them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "layers/module.h"
#include "optim/base_step_math.h"
#include "optim/quant_method.h"

namespace mdq {

// How the stored variable starts (docs/QUANTIZATION.md, "Initialization").
enum class InitMode : uint8_t {
    Auto,        // Xavier for binary and the simplex methods, Midpoints for d >= 3 md-tanh-s
                 // and gd-tanh, Levels for d >= 3 md-tanh, FromValues for proxquant
    Xavier,      // the authors': Xavier-uniform u (on the d-expanded shape for simplex
                 // methods), N(0, 0.1^2) for 1-D parameters, then w = P_beta0(u)
    Levels,      // w0 ~ U(-1, 1), u = P_beta0^-1(w0): every level is used from the start
    FromValues,  // w0 = the parameter's current value clipped to [-1, 1] (warm start)
    Midpoints,   // u0 = the midpoint between the two levels around w0 ~ U(-1, 1), offset by
                 // up to the Xavier bound: every level used, every u near a transition
};
const char* init_mode_name(InitMode m);
InitMode parse_init_mode(const std::string& name);

struct QuantSpec {
    Method method = Method::Float;
    int levels = 2;
    bool stable = true;     // md-tanh, md-softmax: stable numerics (stores_dual), not the authors'
    bool full_ste = false;  // bc: identity STE, no |u| <= 1 clipping
    InitMode init = InitMode::Auto;
    float lr_mult = 1.0f;
    bool quantized() const { return method != Method::Float; }
    std::string str() const;  // "md-tanh-s/3", "float"
    // Throws when the method does not support the levels.
    void validate() const;
};

// Applied to parameters whose dotted name matches `pattern` (glob: * any run, ? one char).
struct QuantRule {
    std::string pattern;
    bool exempt = false;           // keep the parameter in float
    int levels = 0;                // > 0: use this many levels
    std::optional<Method> method;  // use this method
    std::optional<float> lr_mult;  // scale the learning rate of these parameters
};

// "PATTERN:float", or "PATTERN:" followed by comma-separated levels=N, method=NAME and
// lr_mult=X, e.g. "fc.*:float", "layer4.*:levels=8", "conv1.weight:method=bc,levels=2".
QuantRule parse_quant_rule(const std::string& text);
bool glob_match(const std::string& pattern, const std::string& name);

struct QuantConfig {
    QuantSpec spec;  // for the parameters the default selection picks
    std::vector<std::string> layer_types{"Conv2d", "Linear"};
    std::vector<ParamRole> roles{ParamRole::Weight, ParamRole::Bias};
    std::vector<QuantRule> rules;  // in order; a later match overrides an earlier one
    uint64_t seed = 0;             // Philox seed of the initialization
    // Parameter groups: parameters of these roles are left out of this optimizer, for another
    // QuantOptimizer over the same arena to step (e.g. the activation quantizers' ends, role
    // Quantizer, with their own base optimizer and learning rate).
    std::vector<ParamRole> skip_roles;

    bool steps(const Parameter& p) const;  // p's role is not skipped

    // The spec of one parameter (validated): default selection, then the rules.
    QuantSpec resolve(const std::string& name, const Parameter& p) const;
};

struct OptimConfig {
    BaseOptimizer base = BaseOptimizer::Adam;
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    double weight_decay = 0.0;
    double momentum = 0.0;  // SGD
    bool nesterov = false;
    LrSchedule lr = LrSchedule::constant(1e-3);
    BetaSchedule beta;
    ProxSchedule prox;
    void validate() const;
};

const char* base_optimizer_name(BaseOptimizer b);
// "adam", "adamw", "sgd"; throws listing them.
BaseOptimizer parse_base_optimizer(const std::string& name);

}  // namespace mdq
