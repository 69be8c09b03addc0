#include "layers/module.h"

#include <functional>

#include "core/autograd.h"
#include "layers/activation_hook.h"

namespace mdq {

namespace {
thread_local ModuleTracer* tls_tracer = nullptr;

std::string join(const std::string& prefix, const std::string& name) {
    return prefix.empty() ? name : prefix + "." + name;
}
}  // namespace

const char* param_role_name(ParamRole r) {
    switch (r) {
        case ParamRole::Weight:
            return "weight";
        case ParamRole::Bias:
            return "bias";
        case ParamRole::NormScale:
            return "norm_scale";
        case ParamRole::NormShift:
            return "norm_shift";
        case ParamRole::Other:
            return "other";
        case ParamRole::Quantizer:
            return "quantizer";
    }
    return "other";
}

ModuleTracer* set_module_tracer(ModuleTracer* t) {
    ModuleTracer* prev = tls_tracer;
    tls_tracer = t;
    return prev;
}

int64_t Module::macs(const Shape&, const Shape&) const {
    return 0;
}

Tensor Module::operator()(const Tensor& x) {
    ModuleTracer* const tracer = tls_tracer;  // the one that saw the start sees the end
    if (tracer) tracer->on_forward_begin(*this, x);
    ActivationHook* const hook = activation_hook();
    const Tensor in = hook ? hook->on_input(*this, x) : x;
    Tensor y = forward(in);
    if (hook) y = hook->on_output(*this, y);
    if (tracer) tracer->on_forward(*this, in, y);
    return y;
}

void Module::check_new_name(const std::string& name) const {
    MDQ_CHECK(!name.empty() && name.find('.') == std::string::npos, type_name(),
              ": bad member name '", name, "' (non-empty, no dots)");
    for (const auto& p : params_)
        MDQ_CHECK(p.first != name, type_name(), ": '", name, "' registered twice");
    for (const auto& b : buffers_)
        MDQ_CHECK(b.first != name, type_name(), ": '", name, "' registered twice");
    for (const auto& c : children_)
        MDQ_CHECK(c.first != name, type_name(), ": '", name, "' registered twice");
}

Parameter& Module::register_parameter(const std::string& name, Tensor init, ParamRole role) {
    check_new_name(name);
    check_defined("register_parameter", init);
    MDQ_CHECK(init.dtype() == DType::F32, type_name(), ".", name, ": parameters are f32, got ",
              init.str());
    auto p = std::make_unique<Parameter>();
    p->value = init.detach();
    p->value.set_requires_grad(true);
    p->role = role;
    p->layer_type = type_name();
    params_.emplace_back(name, std::move(p));
    return *params_.back().second;
}

Tensor& Module::register_buffer(const std::string& name, Tensor init) {
    check_new_name(name);
    check_defined("register_buffer", init);
    buffers_.emplace_back(name, std::make_unique<Tensor>(init.detach()));
    return *buffers_.back().second;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> m) {
    check_new_name(name);
    MDQ_CHECK(m != nullptr, type_name(), ": child '", name, "' is null");
    children_.emplace_back(name, std::move(m));
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
    // Iterative pre-order walk; deep models must not recurse per level.
    std::vector<std::pair<std::string, Module*>> out;
    std::vector<std::pair<std::string, Module*>> stack{{"", this}};
    while (!stack.empty()) {
        auto [prefix, m] = stack.back();
        stack.pop_back();
        out.emplace_back(prefix, m);
        for (auto it = m->children_.rbegin(); it != m->children_.rend(); ++it)
            stack.emplace_back(join(prefix, it->first), it->second.get());
    }
    return out;
}

std::vector<std::pair<std::string, Module*>> Module::children() {
    std::vector<std::pair<std::string, Module*>> out;
    for (auto& c : children_)
        out.emplace_back(c.first, c.second.get());
    return out;
}

std::vector<std::pair<std::string, Parameter*>> Module::named_parameters() {
    std::vector<std::pair<std::string, Parameter*>> out;
    for (auto& [prefix, m] : named_modules())
        for (auto& p : m->params_)
            out.emplace_back(join(prefix, p.first), p.second.get());
    return out;
}

Parameter* Module::find_parameter(const std::string& name) {
    for (auto& [n, p] : named_parameters())
        if (n == name) return p;
    return nullptr;
}

Tensor* Module::find_buffer(const std::string& name) {
    for (auto& [n, t] : named_buffers())
        if (n == name) return t;
    return nullptr;
}

std::vector<std::pair<std::string, Tensor*>> Module::named_buffers() {
    std::vector<std::pair<std::string, Tensor*>> out;
    for (auto& [prefix, m] : named_modules())
        for (auto& b : m->buffers_)
            out.emplace_back(join(prefix, b.first), b.second.get());
    return out;
}

int64_t Module::num_parameters() {
    int64_t n = 0;
    for (auto& [name, p] : named_parameters())
        n += p->value.numel();
    return n;
}

void Module::train(bool on) {
    for (auto& [name, m] : named_modules()) {
        m->training_ = on;
        m->on_mode_change();
    }
}

void Module::to(Device d) {
    for (auto& [name, m] : named_modules()) {
        for (auto& p : m->params_) {
            Parameter& prm = *p.second;
            // A compute copy lives in the arena that a moved value leaves: it would go stale.
            // The next enable_compute_copy() makes a new one; until then the layers cast.
            if (prm.value.device() != d) prm.compute = Tensor();
            prm.value = prm.value.detach().to(d);
            prm.value.set_requires_grad(true);
        }
        for (auto& b : m->buffers_)
            *b.second = b.second->to(d);
        m->on_mode_change();
    }
}

Device Module::device() {
    for (auto& [name, p] : named_parameters())
        return p->value.device();
    for (auto& [name, b] : named_buffers())
        return b->device();
    return Device::cpu();
}

void Module::set_compute_dtype(DType dt) {
    MDQ_CHECK(dt == DType::F32 || dt == DType::BF16, "set_compute_dtype: f32 or bf16, not ",
              dtype_name(dt));
    for (auto& [name, m] : named_modules()) {
        m->compute_dtype_ = dt;
        m->on_mode_change();
    }
}

std::map<std::string, Tensor> Module::state_dict() {
    std::map<std::string, Tensor> out;
    for (auto& [name, p] : named_parameters())
        out[name] = p->value.detach();
    for (auto& [name, b] : named_buffers())
        out[name] = b->detach();
    return out;
}

void Module::load_state_dict(const std::map<std::string, Tensor>& state, bool strict) {
    NoGradGuard no_grad;
    size_t used = 0;
    auto load = [&](const std::string& name, const Tensor& dst) {
        auto it = state.find(name);
        if (it == state.end()) {
            MDQ_CHECK(!strict, "load_state_dict: '", name, "' missing from the state");
            return;
        }
        MDQ_CHECK(it->second.shape() == dst.shape(), "load_state_dict: '", name, "' has shape ",
                  it->second.shape(), " in the state but ", dst.shape(), " in the model");
        Tensor(dst).copy_(it->second);
        ++used;
    };
    for (auto& [name, p] : named_parameters())
        load(name, p->value);
    for (auto& [name, b] : named_buffers())
        load(name, *b);
    if (strict && used != state.size()) {
        std::string extra;
        const auto params = named_parameters();
        const auto buffers = named_buffers();
        for (const auto& kv : state) {
            bool known = false;
            for (const auto& p : params)
                known = known || p.first == kv.first;
            for (const auto& b : buffers)
                known = known || b.first == kv.first;
            if (!known) extra += (extra.empty() ? "" : ", ") + kv.first;
        }
        MDQ_THROW(ValueError, "load_state_dict: unexpected keys in the state: ", extra);
    }
}

void Module::zero_grad() {
    NoGradGuard no_grad;
    for (auto& [name, p] : named_parameters()) {
        Tensor g = p->value.grad();
        if (g.defined()) g.zero_();
    }
}

}  // namespace mdq
