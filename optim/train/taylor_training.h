// `prune=taylor` in `mdq train` (docs/PRUNING.md): a gate after every batch norm of the model,
// one gate group per group of the channel plan (batch norms tied by residual adds share one
// gate tensor, so their channels go together), a TaylorPruner fed with the gates' gradients
// after every step, and the masks enforced after every step: the gate of a pruned channel is 0,
// and the weight and bias of the conv or linear layers that feed the group's batch norms (unless
// a simplex method holds them), the batch norms' own scale, shift and running mean, with their
// optimizer state, are zeroed in that channel.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "layers/batch_norm.h"
#include "optim/quant_optimizer.h"
#include "optim/train/channel_plan.h"
#include "optim/train/config.h"
#include "optim/train/taylor_prune.h"

namespace mdq {

bool is_taylor_pruning(const Config& cfg);  // prune=taylor (prune=none: off); throws on others
// prune_interval, prune_per_round, prune_max, prune_momentum (range checks: TaylorPruner).
TaylorOptions taylor_options_from(const Config& cfg);

class TaylorTraining;

// The pruner's groups for a channel plan: a group's sharing is its number of batch norms.
std::vector<GateGroup> gate_groups(const std::vector<ChannelGroup>& plan);

// Where a checkpoint's model options keep the pruner's state (masks included).
constexpr const char* kPrunerStateKey = "taylor_pruner";
// Restores into `prune` (null: the run does not prune) the pruner state of the checkpoint at
// `path` with these model options; throws when one of the two prunes and the other does not.
void restore_pruner(const nlohmann::json& model_options, TaylorTraining* prune,
                    const std::string& path);

class TaylorTraining {
  public:
    // Installs the gates on `model`'s batch norms (channel_plan(model)); throws when prune_max
    // is more than the model can lose, or the model has a layer the plan does not know.
    TaylorTraining(Module& model, QuantOptimizer& opt, const TaylorOptions& o);
    ~TaylorTraining();  // removes the gates
    TaylorTraining(const TaylorTraining&) = delete;
    TaylorTraining& operator=(const TaylorTraining&) = delete;

    // After an optimizer step: reads and clears the gate gradients, runs a round when due and
    // enforces the masks. Returns the channels removed by this call.
    int64_t after_step();

    const TaylorPruner& pruner() const { return pruner_; }
    const std::vector<ChannelGroup>& plan() const { return plan_; }
    // The pruner's state (masks, importances, running sums, counters) for a checkpoint, and
    // its restoration, which re-applies the masks.
    nlohmann::json state() const;
    void load_state(const nlohmann::json& s);
    // {"pruned", "gated", "layers": {group (its first batch norm): live channels}}.
    nlohmann::json table() const;

  private:
    TaylorTraining(Module& model, QuantOptimizer& opt, const TaylorOptions& o,
                   const std::vector<ChannelGroup>& plan);
    struct Gate {
        std::vector<BatchNorm*> bns;
        std::string name;
        std::vector<std::string> params;  // name of each parameter masked along dim 0
        std::vector<Tensor*> running_means;
        Tensor gate;
    };
    void enforce(const Gate& g, const std::vector<uint8_t>& mask);
    void enforce_all();

    QuantOptimizer* opt_;
    std::vector<ChannelGroup> plan_;
    std::vector<Gate> gates_;
    TaylorPruner pruner_;
};

}  // namespace mdq
