#include "optim/train/taylor_training.h"

#include <map>

#include "core/autograd.h"
#include "optim/train/channel_mask.h"

namespace mdq {

std::vector<GateGroup> gate_groups(const std::vector<ChannelGroup>& plan) {
    std::vector<GateGroup> groups;
    for (const ChannelGroup& g : plan)
        groups.push_back({g.name, g.channels, static_cast<int>(g.batch_norms.size())});
    return groups;
}

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
    : TaylorTraining(model, opt, o, channel_plan(model)) {}

TaylorTraining::TaylorTraining(Module& model, QuantOptimizer& opt, const TaylorOptions& o,
                               const std::vector<ChannelGroup>& plan)
    : opt_(&opt), plan_(plan), pruner_(gate_groups(plan), o) {
    std::map<std::string, Module*> modules;
    for (auto& [name, m] : model.named_modules())
        modules[name] = m;
    std::map<std::string, Tensor*> buffers;
    for (auto& [name, t] : model.named_buffers())
        buffers[name] = t;
    for (const ChannelGroup& cg : plan) {
        // One gate tensor for all the batch norms of a group: its gradient sums their uses.
        Gate g{{}, cg.name, {}, {}, Tensor::ones({cg.channels}, DType::F32, model.device())};
        g.gate.set_requires_grad(true);
        for (const std::string& bn : cg.batch_norms) {
            g.bns.push_back(dynamic_cast<BatchNorm*>(modules.at(bn)));
            g.bns.back()->set_gate(g.gate);
        }
        for (const ChannelSlice& sl : cg.slices) {
            if (!sl.output) continue;  // a consumer reads zeros from a pruned channel
            if (sl.buffer) {
                // The running mean is zeroed so a pruned channel's statistics read as empty.
                if (sl.tensor.size() > 13 &&
                    sl.tensor.compare(sl.tensor.size() - 13, 13, ".running_mean") == 0)
                    g.running_means.push_back(buffers.at(sl.tensor));
                continue;
            }
            // Simplex logits have no zero weight: there the gate alone removes the channel.
            if (!is_simplex(method_storage(opt.param(sl.tensor).spec.method)))
                g.params.push_back(sl.tensor);
        }
        gates_.push_back(std::move(g));
    }
}

TaylorTraining::~TaylorTraining() {
    for (Gate& g : gates_)
        for (BatchNorm* bn : g.bns)
            bn->set_gate(Tensor());
}

void TaylorTraining::enforce(const Gate& g, const std::vector<uint8_t>& mask) {
    NoGradGuard no_grad;
    zero_channels(g.gate, 0, mask);
    for (const std::string& p : g.params)
        enforce_channel_mask(*opt_, p, 0, mask);
    for (Tensor* t : g.running_means)
        zero_channels(*t, 0, mask);
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
        layers[gates_[i].name] = live;
        gated += static_cast<int64_t>(pruner_.masks()[i].size());
    }
    return {{"pruned", pruner_.pruned()}, {"gated", gated}, {"layers", layers}};
}

}  // namespace mdq
