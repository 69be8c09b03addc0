#include "optim/train/checkpoint.h"

#include <cmath>

#include "kernels/ops.h"

namespace mdq {

namespace {
const std::string kModel = "model.";

// The names of one optimizer's state in the file: tensors, scalars, metadata.
struct OptPrefix {
    std::string tensors, scalars, meta;
};
const OptPrefix kWeights{"opt.", "opt_scalar.", "opt_meta."};
const OptPrefix kQuantizers{"qopt.", "qopt_scalar.", "qopt_meta."};

bool starts_with(const std::string& s, const std::string& p) {
    return s.rfind(p, 0) == 0;
}

std::string number(double v) {
    nlohmann::json j = v;
    return j.dump();  // shortest round-trip representation
}

void add_state(const QuantOptimizer& opt, const OptPrefix& pre,
               std::map<std::string, Tensor>& tensors, std::map<std::string, std::string>& meta) {
    const OptimizerState st = opt.state();
    for (const auto& [name, t] : st.tensors)
        tensors[pre.tensors + name] = t;
    for (const auto& [k, v] : st.scalars)
        meta[pre.scalars + k] = number(v);
    for (const auto& [k, v] : st.meta)
        meta[pre.meta + k] = v;
}

OptimizerState state_of(const Checkpoint& ck, const OptPrefix& pre) {
    OptimizerState st;
    for (const auto& [name, t] : ck.file.tensors)
        if (starts_with(name, pre.tensors)) st.tensors[name.substr(pre.tensors.size())] = t;
    for (const auto& [k, v] : ck.file.metadata) {
        if (starts_with(k, pre.scalars))
            st.scalars[k.substr(pre.scalars.size())] = std::stod(v);
        else if (starts_with(k, pre.meta))
            st.meta[k.substr(pre.meta.size())] = v;
    }
    return st;
}
}  // namespace

void save_checkpoint(const std::string& path, Module& model, const QuantOptimizer& opt,
                     const TrainPosition& pos, const nlohmann::json& config,
                     const nlohmann::json& model_options, const QuantOptimizer* quantizers) {
    std::map<std::string, Tensor> tensors;
    std::map<std::string, std::string> meta;
    for (const auto& [name, t] : model.state_dict())
        tensors[kModel + name] = t;
    add_state(opt, kWeights, tensors, meta);
    if (quantizers) add_state(*quantizers, kQuantizers, tensors, meta);
    for (const auto& [name, t] : tensors) {
        if (!is_floating(t.dtype()) || t.numel() == 0) continue;
        const double largest = amax(abs(t.detach().to(DType::F64))).item<double>();
        if (!std::isfinite(largest))
            MDQ_THROW(Error, "training diverged: '", name, "' holds ", largest, " after step ",
                      pos.step, " (epoch ", pos.epoch, "); '", path,
                      "' was not written and the last good checkpoint is kept (try a lower lr)");
    }
    meta["format"] = "mdq-checkpoint-1";
    meta["step"] = std::to_string(pos.step);
    meta["epoch"] = std::to_string(pos.epoch);
    meta["batch"] = std::to_string(pos.batch);
    meta["best_val_acc"] = number(pos.best_val_acc);
    meta["best_step"] = std::to_string(pos.best_step);
    meta["rng_offset"] = std::to_string(pos.rng_offset);
    meta["config"] = config.dump();
    meta["model_options"] = model_options.dump();
    save_safetensors(path, tensors, meta);
}

Checkpoint read_checkpoint(const std::string& path) {
    Checkpoint ck;
    ck.path = path;
    ck.file = load_safetensors(path);
    const auto& m = ck.file.metadata;
    auto field = [&](const std::string& k) -> const std::string& {
        auto it = m.find(k);
        if (it == m.end())
            MDQ_THROW(IoError, "'", path, "' is not an mdq training checkpoint: metadata field '",
                      k, "' is missing");
        return it->second;
    };
    MDQ_CHECK(field("format") == "mdq-checkpoint-1", "'", path, "' has checkpoint format '",
              field("format"), "', expected mdq-checkpoint-1");
    try {
        ck.position.step = std::stoll(field("step"));
        ck.position.epoch = std::stoll(field("epoch"));
        ck.position.batch = std::stoll(field("batch"));
        ck.position.best_val_acc = std::stod(field("best_val_acc"));
        ck.position.best_step = std::stoll(field("best_step"));
        ck.position.rng_offset = std::stoull(field("rng_offset"));
        ck.config = nlohmann::json::parse(field("config"));
        ck.model_options = nlohmann::json::parse(field("model_options"));
    } catch (const std::invalid_argument& e) {
        MDQ_THROW(IoError, "'", path, "': corrupt checkpoint metadata (", e.what(), ")");
    } catch (const nlohmann::json::exception& e) {
        MDQ_THROW(IoError, "'", path, "': corrupt configuration in the metadata (", e.what(), ")");
    }
    return ck;
}

void restore_checkpoint(const Checkpoint& ck, Module& model, QuantOptimizer& opt,
                        QuantOptimizer* quantizers) {
    std::map<std::string, Tensor> model_state;
    for (const auto& [name, t] : ck.file.tensors)
        if (starts_with(name, kModel)) model_state[name.substr(kModel.size())] = t;
    const std::string saved_model = ck.config.value("model", std::string("?"));
    try {
        model.load_state_dict(model_state);
        opt.load_state(state_of(ck, kWeights));
        if (quantizers) quantizers->load_state(state_of(ck, kQuantizers));
    } catch (const Error& e) {
        MDQ_THROW(ValueError, "checkpoint '", ck.path, "' (model '", saved_model, "', method '",
                  ck.config.value("method", std::string("?")), "', levels ",
                  ck.config.value("levels", 0), ") does not fit this run: ", e.what());
    }
}

}  // namespace mdq
