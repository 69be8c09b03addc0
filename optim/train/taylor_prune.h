// Taylor importance pruning of channels (docs/PRUNING.md; Molchanov et al., "Taylor-FO-BN"): a
// gate z_c = 1 after each batch norm, the per-batch criterion (dE/dz_c)^2 with
// dE/dz_c = sum over batch and space of y * dE/dy, averaged every `interval` iterations, smoothed
// across rounds with momentum, ranked globally, and the `per_round` lowest live gates removed
// until `max` are gone. A gate group shared by several residual blocks has its criterion divided
// by the number of blocks sharing it. Masks are what the trainer applies to weights, optimizer
// state and gradients of the pruned channels; they persist through checkpoints (state()).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace mdq {

struct TaylorOptions {
    int interval = 30;      // iterations per round
    int per_round = 100;    // gates removed per round
    int64_t max = 0;        // gates removed in all
    double momentum = 0.0;  // importance <- m * importance + (1 - m) * round average
};

struct GateGroup {
    std::string name;      // e.g. the batch norm's name, or a residual stage's
    int64_t channels = 0;  // gates in the group
    int sharing = 1;       // residual blocks that share these gates
};

// dE/dz per channel of a gate on y [N, C, ...] with dy = dE/dy: [C], sum over all but dim 1.
Tensor gate_gradient(const Tensor& y, const Tensor& dy);

class TaylorPruner {
  public:
    // Throws on an empty group, a non-positive interval/per_round, momentum outside [0, 1), or a
    // max that would leave some group without a channel.
    TaylorPruner(std::vector<GateGroup> groups, TaylorOptions opt);

    // Adds one mini-batch's dE/dz ([channels], any device) of a group.
    void accumulate(size_t group, const Tensor& gate_grad);
    // Ends an iteration; every `interval` iterations runs a round. Returns the gates it removed
    // as (group, channel) pairs, in ranking order.
    std::vector<std::pair<size_t, int64_t>> end_iteration();

    const std::vector<GateGroup>& groups() const { return groups_; }
    // 1 = live, 0 = pruned, per group.
    const std::vector<std::vector<uint8_t>>& masks() const { return masks_; }
    int64_t pruned() const { return pruned_; }
    // The smoothed importance of each gate (after the latest round).
    const std::vector<std::vector<double>>& importance() const { return importance_; }

    // Everything a resume needs, flat: masks, importance, the running sums, counters.
    std::vector<double> state() const;
    void load_state(const std::vector<double>& s);

  private:
    std::vector<GateGroup> groups_;
    TaylorOptions opt_;
    std::vector<std::vector<uint8_t>> masks_;
    std::vector<std::vector<double>> importance_, sum_;
    int iterations_ = 0, rounds_ = 0;
    int64_t pruned_ = 0;
};

}  // namespace mdq
