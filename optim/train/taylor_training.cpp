#include "optim/train/taylor_training.h"

#include "core/autograd.h"
#include "optim/train/channel_mask.h"

namespace mdq {

namespace {

std::string join(const std::string& prefix, const std::string& name) {
    return prefix.empty() ? name : prefix + "." + name;
}

bool produces_channels(Module* m) {
    return m->type_name() == "Conv2d" || m->type_name() == "Linear";
}

// One gate group per batch norm.
std::vector<GateGroup> groups_of(Module& model) {
    std::vector<GateGroup> groups;
    for (auto& [name, m] : model.named_modules())
        if (auto* bn = dynamic_cast<BatchNorm*>(m))
            groups.push_back({name, bn->options().num_features, 1});
    return groups;
}

}  // namespace

bool is_taylor_pruning(const Config& cfg) {
    const std::string p = cfg.get_string("prune");
    MDQ_CHECK(p == "none" || p == "taylor", "prune must be none or taylor, got '", p, "'");
    return p == "taylor";
}

TaylorOptions taylor_options_from(const Config& cfg) {
    TaylorOptions o;
    o.interval = static_cast<int>(cfg.get_int("prune_interval"));
    o.per_round = static_cast<int>(cfg.get_int("prune_per_round"));
    o.max = cfg.get_int("prune_max");
    o.momentum = cfg.get_float("prune_momentum");
    return o;
}

TaylorTraining::TaylorTraining(Module& model, QuantOptimizer& opt, const TaylorOptions& o)
    : opt_(&opt), pruner_(groups_of(model), o) {
    // A gate masks its batch norm's parameters and those of the conv or linear layer registered
    // just before it, when its output channels match (the conv -> bn order of every model).
    Module* producer = nullptr;
    std::string producer_name;
    for (auto& [name, m] : model.named_modules()) {
        if (produces_channels(m)) {
            producer = m;
            producer_name = name;
        }
        auto* bn = dynamic_cast<BatchNorm*>(m);
        if (!bn) continue;
        Gate g{bn, name, {}, Tensor::ones({bn->options().num_features}, DType::F32, bn->device())};
        const int64_t c = bn->options().num_features;
        for (auto& [p, param] : bn->named_parameters())
            g.params.push_back(join(name, p));
        if (producer) {
            for (auto& [p, param] : producer->named_parameters()) {
                const std::string full = join(producer_name, p);
                // Simplex logits have no zero weight: there the gate alone removes the channel.
                if (param->value.size(0) == c &&
                    !is_simplex(method_storage(opt.param(full).spec.method)))
                    g.params.push_back(full);
            }
            producer = nullptr;  // a conv feeds one batch norm
        }
        g.gate.set_requires_grad(true);
        bn->set_gate(g.gate);
        gates_.push_back(std::move(g));
    }
}

TaylorTraining::~TaylorTraining() {
    for (Gate& g : gates_)
        g.bn->set_gate(Tensor());
}

void TaylorTraining::enforce(const Gate& g, const std::vector<uint8_t>& mask) {
    NoGradGuard no_grad;
    zero_channels(g.gate, 0, mask);
    for (const std::string& p : g.params)
        enforce_channel_mask(*opt_, p, 0, mask);
    for (auto& [b, t] : g.bn->named_buffers())
        if (b == "running_mean") zero_channels(*t, 0, mask);
}

int64_t TaylorTraining::after_step() {
    for (size_t i = 0; i < gates_.size(); ++i) {
        Tensor grad = gates_[i].gate.grad();
        if (!grad.defined()) continue;  // this step's forward did not reach the batch norm
        pruner_.accumulate(i, grad);
        grad.zero_();
    }
    const int64_t removed = static_cast<int64_t>(pruner_.end_iteration().size());
    enforce_all();
    return removed;
}

void TaylorTraining::enforce_all() {
    if (pruner_.pruned() == 0) return;
    for (size_t i = 0; i < gates_.size(); ++i)
        enforce(gates_[i], pruner_.masks()[i]);
}

nlohmann::json TaylorTraining::state() const {
    return pruner_.state();
}

void TaylorTraining::load_state(const nlohmann::json& s) {
    MDQ_CHECK(s.is_array(), "prune=taylor: the checkpoint's pruner state is not a list");
    pruner_.load_state(s.get<std::vector<double>>());
    // A restored state may have fewer pruned channels than the gates show: reopen them first.
    NoGradGuard no_grad;
    for (Gate& g : gates_)
        g.gate.fill_(1.0);
    enforce_all();
}

void restore_pruner(const nlohmann::json& model_options, TaylorTraining* prune,
                    const std::string& path) {
    const bool pruned = model_options.contains(kPrunerStateKey);
    MDQ_CHECK(pruned == (prune != nullptr), "checkpoint '", path,
              "' was trained with prune=", pruned ? "taylor" : "none",
              " but this run has prune=", prune ? "taylor" : "none");
    if (prune) prune->load_state(model_options.at(kPrunerStateKey));
}

nlohmann::json TaylorTraining::table() const {
    nlohmann::json layers = nlohmann::json::object();
    int64_t gated = 0;
    for (size_t i = 0; i < gates_.size(); ++i) {
        int64_t live = 0;
        for (uint8_t m : pruner_.masks()[i])
            live += m;
        layers[gates_[i].bn_name] = live;
        gated += static_cast<int64_t>(pruner_.masks()[i].size());
    }
    return {{"pruned", pruner_.pruned()}, {"gated", gated}, {"layers", layers}};
}

}  // namespace mdq
