#include "optim/train/taylor_prune.h"

#include <algorithm>

#include "core/error.h"
#include "kernels/elementwise/binary.h"
#include "kernels/reduce/reduce.h"

namespace mdq {

Tensor gate_gradient(const Tensor& y, const Tensor& dy) {
    check_defined("gate_gradient", y);
    check_defined("gate_gradient", dy);
    MDQ_CHECK(y.dim() >= 2 && y.shape() == dy.shape(), "gate_gradient: activation ", y.str(),
              " and its gradient ", dy.str(), " must share an [N, C, ...] shape");
    std::vector<int64_t> dims{0};
    for (int64_t d = 2; d < y.dim(); ++d)
        dims.push_back(d);
    return sum(mul(y, dy), dims);
}

TaylorPruner::TaylorPruner(std::vector<GateGroup> groups, TaylorOptions opt)
    : groups_(std::move(groups)), opt_(opt) {
    MDQ_CHECK(!groups_.empty(), "prune=taylor: the model has no batch norm to gate");
    MDQ_CHECK(opt_.interval >= 1, "prune_interval must be >= 1, got ", opt_.interval);
    MDQ_CHECK(opt_.per_round >= 1, "prune_per_round must be >= 1, got ", opt_.per_round);
    MDQ_CHECK(opt_.momentum >= 0 && opt_.momentum < 1, "prune_momentum must lie in [0, 1), got ",
              opt_.momentum);
    int64_t removable = 0;
    for (const GateGroup& g : groups_) {
        MDQ_CHECK(g.channels >= 1 && g.sharing >= 1, "prune=taylor: gate group '", g.name, "' has ",
                  g.channels, " channels shared by ", g.sharing, " blocks");
        removable += g.channels - 1;
        masks_.emplace_back(static_cast<size_t>(g.channels), uint8_t{1});
        importance_.emplace_back(static_cast<size_t>(g.channels), 0.0);
        sum_.emplace_back(static_cast<size_t>(g.channels), 0.0);
    }
    MDQ_CHECK(opt_.max >= 0 && opt_.max <= removable, "prune_max ", opt_.max,
              " would prune every channel of a layer: at most ", removable, " of the ",
              removable + static_cast<int64_t>(groups_.size()),
              " gated channels can go (one stays per layer)");
}

void TaylorPruner::accumulate(size_t group, const Tensor& gate_grad) {
    MDQ_CHECK(group < groups_.size(), "TaylorPruner::accumulate: no gate group ", group);
    MDQ_CHECK(gate_grad.defined() && gate_grad.numel() == groups_[group].channels,
              "TaylorPruner::accumulate: group '", groups_[group].name, "' has ",
              groups_[group].channels, " gates, got ", gate_grad.str());
    const std::vector<float> g = gate_grad.to(Device::cpu()).to(DType::F32).to_vector<float>();
    for (size_t c = 0; c < g.size(); ++c)
        sum_[group][c] += static_cast<double>(g[c]) * g[c];
}

std::vector<std::pair<size_t, int64_t>> TaylorPruner::end_iteration() {
    std::vector<std::pair<size_t, int64_t>> removed;
    if (++iterations_ % opt_.interval != 0) return removed;
    // Round average, shared-gate normalisation, momentum (the first round starts the average).
    std::vector<std::pair<double, std::pair<size_t, int64_t>>> live;
    for (size_t g = 0; g < groups_.size(); ++g) {
        for (size_t c = 0; c < sum_[g].size(); ++c) {
            const double avg = sum_[g][c] / opt_.interval / groups_[g].sharing;
            double& imp = importance_[g][c];
            imp = rounds_ == 0 ? avg : opt_.momentum * imp + (1 - opt_.momentum) * avg;
            sum_[g][c] = 0;
        }
        // The strongest gate of a group is never a candidate: one channel stays per layer.
        int64_t keep = -1;
        for (size_t c = 0; c < sum_[g].size(); ++c)
            if (masks_[g][c] && (keep < 0 || importance_[g][c] > importance_[g][keep]))
                keep = static_cast<int64_t>(c);
        for (size_t c = 0; c < sum_[g].size(); ++c)
            if (masks_[g][c] && static_cast<int64_t>(c) != keep)
                live.push_back({importance_[g][c], {g, static_cast<int64_t>(c)}});
    }
    ++rounds_;
    // Ties break by (group, channel) so a ranking is reproducible.
    std::sort(live.begin(), live.end());
    const int64_t budget = std::min<int64_t>(opt_.per_round, opt_.max - pruned_);
    for (int64_t i = 0; i < budget && i < static_cast<int64_t>(live.size()); ++i) {
        const auto [g, c] = live[static_cast<size_t>(i)].second;
        masks_[g][static_cast<size_t>(c)] = 0;
        removed.push_back({g, c});
    }
    pruned_ += static_cast<int64_t>(removed.size());
    return removed;
}

std::vector<double> TaylorPruner::state() const {
    std::vector<double> s{static_cast<double>(iterations_), static_cast<double>(rounds_),
                          static_cast<double>(pruned_)};
    for (size_t g = 0; g < groups_.size(); ++g)
        for (size_t c = 0; c < masks_[g].size(); ++c) {
            s.push_back(masks_[g][c]);
            s.push_back(importance_[g][c]);
            s.push_back(sum_[g][c]);
        }
    return s;
}

void TaylorPruner::load_state(const std::vector<double>& s) {
    size_t need = 3;
    for (const GateGroup& g : groups_)
        need += 3 * static_cast<size_t>(g.channels);
    MDQ_CHECK(s.size() == need, "prune=taylor: checkpoint pruning state holds ", s.size(),
              " values, this model's gates need ", need, " (different model or groups?)");
    iterations_ = static_cast<int>(s[0]);
    rounds_ = static_cast<int>(s[1]);
    pruned_ = static_cast<int64_t>(s[2]);
    size_t k = 3;
    for (size_t g = 0; g < groups_.size(); ++g)
        for (size_t c = 0; c < masks_[g].size(); ++c) {
            masks_[g][c] = s[k++] != 0;
            importance_[g][c] = s[k++];
            sum_[g][c] = s[k++];
        }
}

}  // namespace mdq
