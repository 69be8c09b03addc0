#include "optim/quant_config.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/error.h"

namespace mdq {

const char* init_mode_name(InitMode m) {
    switch (m) {
        case InitMode::Auto:
            return "auto";
        case InitMode::Xavier:
            return "xavier";
        case InitMode::Levels:
            return "levels";
        case InitMode::FromValues:
            return "values";
        case InitMode::Midpoints:
            return "midpoints";
    }
    return "auto";
}

InitMode parse_init_mode(const std::string& name) {
    for (InitMode m : {InitMode::Auto, InitMode::Xavier, InitMode::Levels, InitMode::FromValues,
                       InitMode::Midpoints})
        if (name == init_mode_name(m)) return m;
    MDQ_THROW(ValueError, "unknown init mode '", name,
              "'; known: auto, xavier, levels, values, midpoints");
}

std::string QuantSpec::str() const {
    if (!quantized()) return "float";
    return std::string(method_name(method)) + "/" + std::to_string(levels);
}

void QuantSpec::validate() const {
    if (quantized()) check_levels(method, levels);
    MDQ_CHECK(lr_mult >= 0 && std::isfinite(lr_mult), "quant spec ", str(),
              ": lr_mult must be >= 0, got ", lr_mult);
}

bool glob_match(const std::string& pattern, const std::string& name) {
    // Iterative matcher with backtracking to the last '*'.
    size_t p = 0, n = 0, star = std::string::npos, mark = 0;
    while (n < name.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
            ++p;
            ++n;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = n;
        } else if (star != std::string::npos) {
            p = star + 1;
            n = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

QuantRule parse_quant_rule(const std::string& text) {
    const size_t colon = text.rfind(':');
    MDQ_CHECK(colon != std::string::npos && colon > 0 && colon + 1 < text.size(), "quant rule '",
              text,
              "': expected PATTERN:float or PATTERN:levels=N[,method=NAME], e.g. 'fc.*:float'");
    QuantRule r;
    r.pattern = text.substr(0, colon);
    const std::string spec = text.substr(colon + 1);
    if (spec == "float") {
        r.exempt = true;
        return r;
    }
    size_t start = 0;
    while (start <= spec.size()) {
        size_t comma = spec.find(',', start);
        if (comma == std::string::npos) comma = spec.size();
        const std::string kv = spec.substr(start, comma - start);
        const size_t eq = kv.find('=');
        MDQ_CHECK(eq != std::string::npos, "quant rule '", text, "': '", kv,
                  "' is not key=value (keys: levels, method, lr_mult)");
        const std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
        if (key == "levels") {
            char* end = nullptr;
            const long v = std::strtol(value.c_str(), &end, 10);
            MDQ_CHECK(!value.empty() && *end == '\0' && v >= 2, "quant rule '", text,
                      "': levels must be an integer >= 2, got '", value, "'");
            r.levels = static_cast<int>(v);
        } else if (key == "method") {
            r.method = parse_method(value);
        } else if (key == "lr_mult") {
            char* end = nullptr;
            const float v = std::strtof(value.c_str(), &end);
            MDQ_CHECK(!value.empty() && *end == '\0' && v >= 0, "quant rule '", text,
                      "': lr_mult must be a number >= 0, got '", value, "'");
            r.lr_mult = v;
        } else {
            MDQ_THROW(ValueError, "quant rule '", text, "': unknown key '", key,
                      "' (known: levels, method, lr_mult)");
        }
        start = comma + 1;
    }
    return r;
}

bool QuantConfig::steps(const Parameter& p) const {
    return std::find(skip_roles.begin(), skip_roles.end(), p.role) == skip_roles.end();
}

QuantSpec QuantConfig::resolve(const std::string& name, const Parameter& p) const {
    const bool selected =
        std::find(layer_types.begin(), layer_types.end(), p.layer_type) != layer_types.end() &&
        std::find(roles.begin(), roles.end(), p.role) != roles.end();
    QuantSpec s = selected ? spec : QuantSpec{};
    for (const QuantRule& r : rules) {
        if (!glob_match(r.pattern, name)) continue;
        if (r.exempt) {
            s.method = Method::Float;
            continue;
        }
        if (r.method) {
            if (!s.quantized()) s = spec;  // a method rule quantizes an unselected parameter
            s.method = *r.method;
        }
        if (r.levels > 0) s.levels = r.levels;
        if (r.lr_mult) s.lr_mult = *r.lr_mult;
    }
    try {
        s.validate();
    } catch (const Error& e) {
        MDQ_THROW(ValueError, "parameter '", name, "': ", e.what());
    }
    return s;
}

void OptimConfig::validate() const {
    MDQ_CHECK(beta1 >= 0 && beta1 < 1, "optimizer: beta1 must lie in [0, 1), got ", beta1);
    MDQ_CHECK(beta2 >= 0 && beta2 < 1, "optimizer: beta2 must lie in [0, 1), got ", beta2);
    MDQ_CHECK(eps >= 0, "optimizer: eps must be >= 0, got ", eps);
    MDQ_CHECK(weight_decay >= 0, "optimizer: weight decay must be >= 0, got ", weight_decay);
    MDQ_CHECK(momentum >= 0 && momentum < 1, "optimizer: momentum must lie in [0, 1), got ",
              momentum);
    MDQ_CHECK(!nesterov || (base == BaseOptimizer::Sgd && momentum > 0),
              "optimizer: Nesterov needs SGD with momentum > 0");
    MDQ_CHECK(prox.steps_per_epoch >= 1, "proxquant: steps per epoch must be >= 1, got ",
              prox.steps_per_epoch);
    MDQ_CHECK(prox.reg_rate >= 0, "proxquant: reg rate must be >= 0, got ", prox.reg_rate);
    lr.validate();
    beta.validate();
}

const char* base_optimizer_name(BaseOptimizer b) {
    switch (b) {
        case BaseOptimizer::Adam:
            return "adam";
        case BaseOptimizer::AdamW:
            return "adamw";
        case BaseOptimizer::Sgd:
            return "sgd";
    }
    return "adam";
}

BaseOptimizer parse_base_optimizer(const std::string& name) {
    for (BaseOptimizer b : {BaseOptimizer::Adam, BaseOptimizer::AdamW, BaseOptimizer::Sgd})
        if (name == base_optimizer_name(b)) return b;
    MDQ_THROW(ValueError, "unknown optimizer '", name,
              "'; known: adam (PyTorch-0.4 eps placement, the authors'), adamw, sgd");
}

}  // namespace mdq
