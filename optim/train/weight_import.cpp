#include "optim/train/weight_import.h"

#include <vector>

#include "data/safetensors.h"

namespace mdq {

namespace {
const std::string kModel = "model.";
const std::string kBatchesTracked = ".num_batches_tracked";

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// One line per problem, at most `shown` of them, then how many more.
std::string listing(const std::vector<std::string>& items, size_t shown = 20) {
    std::string out;
    for (size_t i = 0; i < items.size() && i < shown; ++i)
        out += "\n    " + items[i];
    if (items.size() > shown)
        out += "\n    ... and " + std::to_string(items.size() - shown) + " more";
    return out;
}
}  // namespace

std::map<std::string, Tensor> read_weight_import(
    const std::string& path, const std::map<std::string, std::string>& name_map) {
    MDQ_CHECK(!path.empty(), "init_from: no file given");
    SafetensorsFile f = load_safetensors(path);
    std::map<std::string, Tensor> state;
    const auto format = f.metadata.find("format");
    if (format != f.metadata.end() && format->second == "mdq-checkpoint-1") {
        MDQ_CHECK(name_map.empty(), "init_from: '", path,
                  "' is an mdq checkpoint, whose names are mdq's: init_map applies only to "
                  "PyTorch state_dicts");
        for (const auto& [name, t] : f.tensors)
            if (name.rfind(kModel, 0) == 0) state[name.substr(kModel.size())] = t;
        return state;
    }
    for (const auto& [from, to] : name_map)
        MDQ_CHECK(f.tensors.count(from), "init_map: '", from, "' (mapped to '", to,
                  "') is not a tensor of '", path, "'");
    for (const auto& [name, t] : f.tensors) {
        if (ends_with(name, kBatchesTracked)) continue;  // mdq's batch norm keeps no counter
        const auto m = name_map.find(name);
        const std::string mdq_name = m == name_map.end() ? name : m->second;
        MDQ_CHECK(!state.count(mdq_name), "init_from: two tensors of '", path,
                  "' map to the mdq name '", mdq_name, "'");
        // PyTorch convolutions are OIHW, mdq's OHWI (channels-last).
        state[mdq_name] = t.dim() == 4 ? t.permute({0, 2, 3, 1}).contiguous() : t;
    }
    return state;
}

void import_weights(const std::string& path, Module& model,
                    const std::map<std::string, std::string>& name_map) {
    std::map<std::string, Tensor> state = read_weight_import(path, name_map);
    const std::map<std::string, Tensor> own = model.state_dict();
    std::vector<std::string> missing, unexpected, shapes;
    for (const auto& [name, t] : own) {
        auto it = state.find(name);
        if (it == state.end()) {
            missing.push_back(name + " " + t.str());
            continue;
        }
        if (it->second.shape() != t.shape()) {
            shapes.push_back(name + ": " + shape_str(it->second.shape()) +
                             " in the file (mdq layout), " + shape_str(t.shape()) +
                             " in the model");
        }
        if (is_floating(t.dtype())) it->second = it->second.to(t.dtype());
    }
    for (const auto& [name, t] : state)
        if (!own.count(name)) unexpected.push_back(name + " " + t.str());
    if (!missing.empty() || !unexpected.empty() || !shapes.empty()) {
        std::string msg = "init_from '" + path + "' does not fit the model:";
        if (!missing.empty())
            msg += "\n  missing from the file (" + std::to_string(missing.size()) +
                   "):" + listing(missing);
        if (!unexpected.empty())
            msg += "\n  not in the model (" + std::to_string(unexpected.size()) +
                   "):" + listing(unexpected);
        if (!shapes.empty())
            msg += "\n  shapes differ (" + std::to_string(shapes.size()) + "):" + listing(shapes);
        msg +=
            "\n  (rename with init_map {\"pytorch.name\": \"mdq.name\"}; mdq summary --model "
            "NAME lists the layers)";
        MDQ_THROW(ValueError, msg);
    }
    model.load_state_dict(state);
}

}  // namespace mdq
