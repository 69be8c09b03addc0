#include "optim/train/train_setup.h"

#include <cmath>

#include "core/error.h"
#include "optim/train/lr_scaling.h"

namespace mdq {

RunLength run_length(const Config& cfg, int64_t batches_per_epoch, int64_t train_examples) {
    MDQ_CHECK(batches_per_epoch > 0, "the training set gives no batch (", train_examples,
              " examples, batch_size ", cfg.get_int("batch_size"), ")");
    const int64_t iters = cfg.get_int("iterations"), epochs = cfg.get_int("epochs");
    MDQ_CHECK(iters >= 0 && epochs >= 0, "iterations and epochs must be >= 0");
    RunLength r;
    if (iters > 0) {
        r.iterations = iters;
        r.epochs = (iters + batches_per_epoch - 1) / batches_per_epoch;
    } else {
        r.epochs = epochs > 0 ? epochs
                              : static_cast<int64_t>(std::ceil(
                                    100000.0 * 128.0 / static_cast<double>(train_examples)));
        r.iterations = r.epochs * batches_per_epoch;
    }
    return r;
}

int64_t bn_reestimate_batches(const Config& cfg) {
    const int64_t n = cfg.get_int("bn_reestimate");
    MDQ_CHECK(n >= -1, "bn_reestimate must be >= 0 (or -1 for the method's default), got ", n);
    if (n >= 0) return n;
    return cfg.get_string("method") == "md-softmax" ? kBnReestimateBatches : 0;
}

QuantConfig quant_config_from(const Config& cfg) {
    QuantConfig q;
    // method=bsq: BsqOptimizer steps the weights; this float optimizer keeps them for evaluation.
    const std::string method = cfg.get_string("method");
    q.spec.method = method == "bsq" ? Method::Float : parse_method(method);
    q.spec.levels = static_cast<int>(cfg.get_int("levels"));
    q.spec.stable = cfg.get_bool("md_stable");
    q.spec.init = parse_init_mode(cfg.get_string("init"));
    q.spec.validate();
    q.seed = static_cast<uint64_t>(cfg.get_int("seed"));
    for (const std::string& pattern : cfg.get_string_list("exempt"))
        q.rules.push_back(parse_quant_rule(pattern + ":float"));
    const nlohmann::json& levels = cfg.get_json("layer_levels");
    for (auto it = levels.begin(); it != levels.end(); ++it) {
        MDQ_CHECK(it.value().is_number_integer(), "layer_levels: the value for '", it.key(),
                  "' must be an integer level count, got ", it.value().dump());
        q.rules.push_back(
            parse_quant_rule(it.key() + ":levels=" + std::to_string(it.value().get<int>())));
    }
    return q;
}

OptimConfig optim_config_from(const Config& cfg, const RunLength& run, int64_t batches_per_epoch,
                              int world_size) {
    OptimConfig o;
    o.base = parse_base_optimizer(cfg.get_string("optimizer"));
    o.beta1 = cfg.get_float("adam_beta1");
    o.beta2 = cfg.get_float("adam_beta2");
    o.eps = cfg.get_float("adam_eps");
    o.weight_decay = cfg.get_float("weight_decay");
    o.momentum = cfg.get_float("momentum");
    o.nesterov = cfg.get_bool("nesterov");

    const double lr =
        scale_learning_rate(cfg.get_float("lr"), cfg.get_string("lr_scaling"), world_size);
    const std::string kind = cfg.get_string("lr_schedule");
    const double gamma = cfg.get_float("lr_decay");
    if (kind == "none" || kind == "constant") {
        o.lr = LrSchedule::constant(lr);
    } else if (kind == "step") {
        o.lr = LrSchedule::step(lr, cfg.get_int("lr_step"), gamma);
    } else if (kind == "multistep") {
        const std::vector<int64_t> m = cfg.get_int_list("lr_milestones");
        MDQ_CHECK(!m.empty(), "lr_schedule multistep needs lr_milestones");
        o.lr = LrSchedule::multi_step(lr, m.data(), static_cast<int>(m.size()), gamma);
    } else if (kind == "cosine") {
        o.lr = LrSchedule::cosine(lr, run.iterations);
    } else {
        MDQ_THROW(ValueError, "lr_schedule must be none, step, multistep or cosine, got '", kind,
                  "'");
    }
    if (cfg.get_int("warmup_iters") > 0) o.lr.with_warmup(cfg.get_int("warmup_iters"));

    o.beta.rho = cfg.get_float("beta_scale");
    o.beta.interval = cfg.get_int("beta_interval");
    o.beta.cap = cfg.get_float("beta_max");
    o.prox.reg_rate = cfg.get_float("proxquant_reg");
    o.prox.steps_per_epoch = batches_per_epoch;
    o.prox.freeze_step = static_cast<int64_t>(cfg.get_float("proxquant_freeze") *
                                              static_cast<double>(run.iterations));
    o.validate();
    return o;
}

std::string output_folder(const Config& cfg) {
    const std::string out = cfg.get_string("out_dir");
    if (!out.empty()) return out;
    return "runs/" + cfg.get_string("model") + "-" + cfg.get_string("dataset") + "-" +
           cfg.get_string("method") + "-L" + std::to_string(cfg.get_int("levels"));
}

}  // namespace mdq
