#include "optim/train/bsq_training.h"

namespace mdq {

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

int64_t bsq_interval_from(const Config& cfg) {
    const int64_t n = cfg.get_int("bsq_interval");
    MDQ_CHECK(n >= 1, "bsq_interval must be >= 1 (epochs between precision adjustments), got ", n);
    return n;
}

nlohmann::json bsq_precision_table(const BsqOptimizer& bsq) {
    nlohmann::json layers = nlohmann::json::object();
    for (const BsqOptimizer::Layer& l : bsq.layers())
        layers[l.name] = l.planes.bits;
    return {{"average_bits", bsq.average_bits()},
            {"compression", bsq.compression()},
            {"layers", layers}};
}

}  // namespace mdq
