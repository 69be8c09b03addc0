#include "optim/train/hard_eval.h"

#include <map>

#include "core/autograd.h"
#include "kernels/elementwise/binary.h"

namespace mdq {

HardWeights::HardWeights(const QuantOptimizer& opt) : arena_(&opt.arena()) {
    saved_ = arena_->values().clone();
    opt.write_hard_weights(arena_->values());
    arena_->sync_compute();
}

HardWeights::~HardWeights() {
    try {
        restore();
    } catch (const std::exception&) {
        // Destructors never throw (docs/DESIGN.md decision 10): call restore() to see errors.
    }
}

void HardWeights::restore() {
    if (!saved_.defined()) return;
    arena_->values().copy_(saved_);
    arena_->sync_compute();
    saved_ = Tensor();
}

void load_packed_weights(ParamArena& arena,
                         const std::vector<std::pair<std::string, PackedTensor>>& packed) {
    for (const auto& [name, p] : packed) {
        const ParamArena::Slot& slot = arena.slot(name);
        MDQ_CHECK(p.shape == slot.shape, "load_packed_weights: '", name, "' was packed with shape ",
                  p.shape, " but the parameter has shape ", slot.shape);
        PackedTensor on_device = p;
        on_device.data = p.data.to(arena.device());
        const Tensor codes = unpack_codes(on_device);
        codes_to_values_into(codes, p.levels,
                             arena.values().slice(0, slot.offset, slot.offset + slot.numel));
    }
    arena.sync_compute();
}

int64_t recalibrate_batch_norm(Module& model, const std::function<bool(Tensor&)>& next_batch,
                               int64_t max_batches, const BnRecalibration& options) {
    MDQ_CHECK(options.momentum > 0 && options.momentum <= 1,
              "recalibrate_batch_norm: momentum must lie in (0, 1], got ", options.momentum);
    MDQ_CHECK(max_batches >= 1, "recalibrate_batch_norm: max_batches must be >= 1, got ",
              max_batches);
    MDQ_CHECK(static_cast<bool>(next_batch), "recalibrate_batch_norm: no batch source");
    // Pair the statistics buffers by owning module.
    struct Stats {
        Tensor *mean = nullptr, *var = nullptr;
        Tensor sum_mean, sum_var;
    };
    std::map<std::string, Stats> layers;
    const auto owner = [](const std::string& name, const std::string& leaf) {
        return name.size() > leaf.size() ? name.substr(0, name.size() - leaf.size() - 1)
                                         : std::string();
    };
    for (auto& [name, buf] : model.named_buffers()) {
        const std::string leaf =
            name.substr(name.rfind('.') == std::string::npos ? 0 : name.rfind('.') + 1);
        if (leaf == options.mean_name) layers[owner(name, leaf)].mean = buf;
        if (leaf == options.var_name) layers[owner(name, leaf)].var = buf;
    }
    for (auto it = layers.begin(); it != layers.end();) {
        it = (it->second.mean && it->second.var) ? std::next(it) : layers.erase(it);
    }
    MDQ_CHECK(!layers.empty(), "recalibrate_batch_norm: ", model.type_name(),
              " has no module with buffers '", options.mean_name, "' and '", options.var_name, "'");
    for (auto& [name, st] : layers) {
        st.sum_mean = Tensor::zeros(st.mean->shape(), st.mean->dtype(), st.mean->device());
        st.sum_var = Tensor::zeros(st.var->shape(), st.var->dtype(), st.var->device());
    }
    const bool was_training = model.is_training();
    std::vector<std::pair<Tensor*, Tensor>> originals;  // restored if a forward throws
    for (auto& [name, st] : layers) {
        originals.emplace_back(st.mean, st.mean->clone());
        originals.emplace_back(st.var, st.var->clone());
    }
    model.train(true);
    NoGradGuard no_grad;
    int64_t used = 0;
    try {
        Tensor batch;
        while (used < max_batches && next_batch(batch)) {
            for (auto& [name, st] : layers) {
                st.mean->zero_();
                st.var->zero_();
            }
            model(batch);
            for (auto& [name, st] : layers) {
                add_(st.sum_mean, *st.mean, 1.0 / options.momentum);
                add_(st.sum_var, *st.var, 1.0 / options.momentum);
            }
            ++used;
        }
    } catch (...) {
        for (auto& [buf, orig] : originals)
            buf->copy_(orig);
        model.train(was_training);
        throw;
    }
    model.train(was_training);
    if (used == 0) {
        for (auto& [buf, orig] : originals)
            buf->copy_(orig);
    }
    MDQ_CHECK(used > 0, "recalibrate_batch_norm: the batch source gave no batch");
    for (auto& [name, st] : layers) {
        st.mean->zero_();
        st.var->zero_();
        add_(*st.mean, st.sum_mean, 1.0 / static_cast<double>(used));
        add_(*st.var, st.sum_var, 1.0 / static_cast<double>(used));
    }
    return used;
}

}  // namespace mdq
