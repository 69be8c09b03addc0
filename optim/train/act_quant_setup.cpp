#include "optim/train/act_quant_setup.h"

#include <cmath>
#include <cstdlib>

#include "layers/quantizable.h"
#include "models/registry.h"
#include "optim/train/ewgs_delta.h"

namespace mdq {

namespace {

constexpr int kFloatBits = 32;

int checked_bits(const std::string& what, int64_t bits) {
    MDQ_CHECK((bits >= 1 && bits <= 16) || bits == kFloatBits, what,
              " must be 1..16 bits, or 32 for float, got ", bits);
    return static_cast<int>(bits);
}

std::vector<std::pair<std::string, int>> bit_overrides(const Config& cfg, const std::string& key) {
    std::vector<std::pair<std::string, int>> r;
    const nlohmann::json& j = cfg.get_json(key);
    for (auto it = j.begin(); it != j.end(); ++it) {
        MDQ_CHECK(it.value().is_number_integer(), key, ": the value for '", it.key(),
                  "' must be a whole number of bits, got ", it.value().dump());
        r.emplace_back(it.key(),
                       checked_bits(key + " '" + it.key() + "'", it.value().get<int64_t>()));
    }
    return r;
}

bool any_below_float(int global, const std::vector<std::pair<std::string, int>>& overrides) {
    if (global < kFloatBits) return true;
    for (const auto& [pattern, bits] : overrides)
        if (bits < kFloatBits) return true;
    return false;
}

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const std::string& x : v)
        s += (s.empty() ? "" : ", ") + x;
    return s;
}

void check_patterns(const std::string& key, const std::vector<std::pair<std::string, int>>& o,
                    const std::vector<std::string>& layers) {
    for (const auto& [pattern, bits] : o) {
        bool hit = false;
        for (const std::string& l : layers)
            hit = hit || glob_match(pattern, l);
        MDQ_CHECK(hit, key, ": '", pattern, "' matches no conv/linear layer; the layers are ",
                  joined(layers));
    }
}

}  // namespace

const char* first_last_name(FirstLast f) {
    switch (f) {
        case FirstLast::Same:
            return "same";
        case FirstLast::KeepFloat:
            return "keep-float";
        case FirstLast::Bits8:
            return "8bit";
    }
    return "?";
}

FirstLast parse_first_last(const std::string& name) {
    for (FirstLast f : {FirstLast::Same, FirstLast::KeepFloat, FirstLast::Bits8})
        if (name == first_last_name(f)) return f;
    MDQ_THROW(ValueError, "first_last must be same, keep-float or 8bit, got '", name, "'");
}

bool IoQuantSettings::any() const {
    return any_below_float(act_bits, layer_act_bits) || any_below_float(grad_bits, layer_grad_bits);
}

IoQuantSettings io_quant_settings_from(const Config& cfg) {
    IoQuantSettings s;
    s.act_bits = checked_bits("act_bits", cfg.get_int("act_bits"));
    s.grad_bits = checked_bits("grad_bits", cfg.get_int("grad_bits"));
    s.layer_act_bits = bit_overrides(cfg, "layer_act_bits");
    s.layer_grad_bits = bit_overrides(cfg, "layer_grad_bits");
    s.first_last = parse_first_last(cfg.get_string("first_last"));
    const EwgsDelta delta = parse_ewgs_delta(cfg.get_string("ewgs_delta"));
    const std::string kind = cfg.get_string("act_quantizer");
    if (kind != "none") s.act_kind = parse_act_quant_kind(kind);
    const bool ewgs_weights = cfg.get_string("method") == "ewgs";
    const bool acts = any_below_float(s.act_bits, s.layer_act_bits);
    MDQ_CHECK(!acts || s.act_kind,
              "act_bits / layer_act_bits quantize activations but act_quantizer is none: set "
              "act_quantizer to dorefa, uniform or ewgs");
    MDQ_CHECK(!s.act_kind || acts, "act_quantizer=", kind,
              " has nothing to quantize: set act_bits (1..16) or layer_act_bits");
    const bool ewgs_acts = s.act_kind == ActQuantKind::Ewgs;
    MDQ_CHECK(!(delta.from_hessian || delta.value != 0.0) || ewgs_acts || ewgs_weights,
              "ewgs_delta=", cfg.get_string("ewgs_delta"),
              " scales the gradients of EWGS quantizers (method=ewgs or act_quantizer=ewgs); "
              "this run has method=",
              cfg.get_string("method"), " and act_quantizer=", kind);
    s.ewgs_delta = delta.value;
    s.act_calibration = parse_act_calibration(cfg.get_string("act_calibration"));
    return s;
}

LayerIoBits layer_io_bits(const IoQuantSettings& s, const std::string& layer, int index,
                          int count) {
    int a = s.act_bits, g = s.grad_bits;
    if (index == 0 || index == count - 1) {
        if (s.first_last == FirstLast::KeepFloat) a = g = kFloatBits;
        if (s.first_last == FirstLast::Bits8) {
            if (a < kFloatBits) a = 8;
            if (g < kFloatBits) g = 8;
        }
    }
    for (const auto& [pattern, bits] : s.layer_act_bits)
        if (glob_match(pattern, layer)) a = bits;
    for (const auto& [pattern, bits] : s.layer_grad_bits)
        if (glob_match(pattern, layer)) g = bits;
    if (index == 0) a = kFloatBits;  // the image
    LayerIoBits b;
    b.act_bits = a < kFloatBits && s.act_kind ? a : 0;
    b.grad_bits = g < kFloatBits ? g : 0;
    b.act_kind = s.act_kind.value_or(ActQuantKind::DoReFa);
    b.delta = b.act_kind == ActQuantKind::Ewgs ? s.ewgs_delta : 0.0;
    b.calibration = s.act_calibration;
    return b;
}

std::vector<std::string> gemm_layer_names(Module& m) {
    std::vector<std::string> names;
    for (auto& [name, mod] : m.named_modules())
        if (dynamic_cast<QuantizableLayer*>(mod)) names.push_back(name);
    return names;
}

int place_io_quantizers(Module& model, const std::string& model_name, const IoQuantSettings& s) {
    const std::vector<std::string> layers = gemm_layer_names(model);
    check_patterns("layer_act_bits", s.layer_act_bits, layers);
    check_patterns("layer_grad_bits", s.layer_grad_bits, layers);
    if (!s.any()) return 0;
    const int count = static_cast<int>(layers.size());
    bool acts = false;
    for (int i = 0; i < count; ++i)
        acts = acts || layer_io_bits(s, layers[static_cast<size_t>(i)], i, count).act_bits > 0;
    if (acts && !model_info(model_name).relu_inputs) {
        std::vector<std::string> fit;
        for (const ModelInfo& info : model_infos())
            if (info.relu_inputs) fit.push_back(info.name);
        MDQ_THROW(ValueError, "act_bits: the conv/linear inputs of model '", model_name,
                  "' are not all ReLU outputs, which the activation quantizers' [0, u] range "
                  "needs; models that fit: ",
                  joined(fit));
    }
    return attach_act_quantizers(model, [&](const std::string& name, int index) {
        return layer_io_bits(s, name, index, count);
    });
}

std::vector<QuantRule> first_last_weight_rules(Module& m, FirstLast policy, const QuantSpec& spec) {
    const std::vector<std::string> layers = gemm_layer_names(m);
    if (policy == FirstLast::Same || layers.empty()) return {};
    if (policy == FirstLast::Bits8 && spec.quantized()) {
        try {
            check_levels(spec.method, 256);
        } catch (const Error& e) {
            MDQ_THROW(ValueError, "first_last=8bit needs 256 weight levels: ", e.what(),
                      "; use first_last=keep-float");
        }
    }
    std::vector<QuantRule> rules;
    for (const std::string& layer : {layers.front(), layers.back()}) {
        for (const char* param : {".weight", ".bias"}) {
            QuantRule r;
            r.pattern = layer + param;
            r.exempt = policy == FirstLast::KeepFloat;
            r.levels = policy == FirstLast::Bits8 ? 256 : 0;
            rules.push_back(r);
        }
    }
    return rules;
}

OptimConfig quantizer_optim_config(const Config& cfg, const OptimConfig& weights) {
    OptimConfig o = weights;
    o.base = parse_base_optimizer(cfg.get_string("quantizer_optimizer"));
    const double lr = cfg.get_float("quantizer_lr");
    MDQ_CHECK(std::isfinite(lr) && lr > 0, "quantizer_lr must be > 0, got ", lr);
    if (weights.lr.lr > 0) o.lr.min_lr = weights.lr.min_lr * lr / weights.lr.lr;
    o.lr.lr = lr;
    o.weight_decay = 0.0;
    o.validate();
    return o;
}

QuantConfig weight_group(QuantConfig q, Module& m, FirstLast policy) {
    std::vector<QuantRule> rules = first_last_weight_rules(m, policy, q.spec);
    rules.insert(rules.end(), q.rules.begin(), q.rules.end());  // the user's rules win
    q.rules = std::move(rules);
    q.skip_roles.push_back(ParamRole::Quantizer);
    return q;
}

QuantConfig quantizer_group(const QuantConfig& weights) {
    QuantConfig g;
    g.seed = weights.seed;
    g.skip_roles = {ParamRole::Weight, ParamRole::Bias, ParamRole::NormScale, ParamRole::NormShift,
                    ParamRole::Other};
    return g;
}

int64_t quantizer_parameters(Module& m) {
    int64_t n = 0;
    for (auto& [name, p] : m.named_parameters())
        if (p->role == ParamRole::Quantizer) n += p->value.numel();
    return n;
}

}  // namespace mdq
