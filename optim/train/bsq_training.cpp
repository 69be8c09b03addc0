#include "optim/train/bsq_training.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>

#include "data/safetensors.h"

namespace mdq {

namespace {
const std::string kScalar = "scalar.", kMeta = "meta.";

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}
}  // namespace

bool is_bsq(const Config& cfg) {
    return cfg.get_string("method") == "bsq";
}

BsqOptions bsq_options_from(const Config& cfg) {
    BsqOptions o;
    const int64_t bits = cfg.get_int("bsq_bits");
    MDQ_CHECK(bits >= 1 && bits <= kMaxBitPlanes, "bsq_bits must lie in [1, ", kMaxBitPlanes,
              "] (bit planes per layer at the start, BSQ uses 8), got ", bits);
    o.bits = static_cast<int>(bits);
    o.alpha = cfg.get_float("bsq_alpha");
    MDQ_CHECK(o.alpha >= 0, "bsq_alpha must be >= 0 (0: no group Lasso), got ", o.alpha);
    MDQ_CHECK(cfg.get_string("optimizer") == "sgd",
              "method=bsq trains its bit planes with SGD and momentum: set optimizer=sgd (got '",
              cfg.get_string("optimizer"), "')");
    o.lr = cfg.get_float("lr");
    o.momentum = cfg.get_float("momentum");
    return o;
}

BsqSchedule bsq_schedule_from(const Config& cfg, int64_t epochs) {
    BsqSchedule s;
    s.interval = cfg.get_int("bsq_interval");
    s.finetune = cfg.get_int("bsq_finetune");
    s.epochs = epochs;
    MDQ_CHECK(s.interval >= 1,
              "bsq_interval must be >= 1 (epochs between precision adjustments), got ", s.interval);
    MDQ_CHECK(s.finetune >= 0 && s.finetune < epochs, "bsq_finetune must lie in [0, ", epochs,
              ") (epochs of the run's ", epochs, " trained with the precision frozen), got ",
              s.finetune);
    return s;
}

std::string bsq_state_path(const std::string& checkpoint_path) {
    const std::string ext = ".safetensors";
    const bool has_ext =
        checkpoint_path.size() > ext.size() &&
        checkpoint_path.compare(checkpoint_path.size() - ext.size(), ext.size(), ext) == 0;
    return (has_ext ? checkpoint_path.substr(0, checkpoint_path.size() - ext.size())
                    : checkpoint_path) +
           ".bsq" + ext;
}

void save_bsq_state(const std::string& checkpoint_path, const BsqOptimizer& bsq) {
    const OptimizerState st = bsq.state();
    std::map<std::string, std::string> meta;
    for (const auto& [k, v] : st.scalars) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", v);  // round-trips exactly
        meta[kScalar + k] = buf;
    }
    for (const auto& [k, v] : st.meta)
        meta[kMeta + k] = v;
    save_safetensors(bsq_state_path(checkpoint_path), st.tensors, meta);
}

void load_bsq_state(const std::string& checkpoint_path, BsqOptimizer& bsq) {
    const std::string path = bsq_state_path(checkpoint_path);
    struct stat st_buf {};
    MDQ_CHECK(::stat(path.c_str(), &st_buf) == 0, "method=bsq: '", checkpoint_path,
              "' has no bit-plane state beside it ('", path,
              "' is missing); a method=bsq run resumes only from its own checkpoints");
    const SafetensorsFile f = load_safetensors(path);
    OptimizerState st;
    st.tensors = f.tensors;
    for (const auto& [k, v] : f.metadata) {
        if (starts_with(k, kScalar))
            st.scalars[k.substr(kScalar.size())] = std::stod(v);
        else if (starts_with(k, kMeta))
            st.meta[k.substr(kMeta.size())] = v;
    }
    bsq.load_state(st);
}

nlohmann::json bsq_precision_table(const BsqOptimizer& bsq) {
    nlohmann::json layers = nlohmann::json::object();
    for (const BsqOptimizer::Layer& l : bsq.layers())
        layers[l.name] = l.planes.bits;
    return {{"average_bits", bsq.average_bits()},
            {"compression", bsq.compression()},
            {"layers", layers}};
}

void append_bsq_precision(const std::string& path, int64_t epoch, int64_t step,
                          const BsqOptimizer& bsq) {
    const bool fresh = !std::ifstream(path).good();
    std::ofstream out(path, std::ios::app);
    MDQ_CHECK(out.good(), "cannot write the precision log '", path, "'");
    if (fresh) {
        out << "epoch,step,average_bits";
        for (const BsqOptimizer::Layer& l : bsq.layers())
            out << "," << l.name;
        out << "\n";
    }
    out << epoch << "," << step << "," << bsq.average_bits();
    for (const BsqOptimizer::Layer& l : bsq.layers())
        out << "," << l.planes.bits;
    out << "\n";
}

}  // namespace mdq
