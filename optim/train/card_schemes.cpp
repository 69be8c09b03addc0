#include "optim/train/card_schemes.h"

#include "kernels/quant/pack.h"

namespace mdq {

namespace {

using nlohmann::json;

const char* rounding_of(HardRule r) {
    switch (r) {
        case HardRule::Sign:
            return "sign";
        case HardRule::Nearest:
            return "nearest level";
        case HardRule::NearestProjected:
            return "nearest level of P_beta(u)";
        case HardRule::Argmax:
            return "argmax of the simplex coordinates";
    }
    return "unknown";
}

}  // namespace

TrainingScheme::TrainingScheme(const Config& cfg, const QuantOptimizer& opt)
    : cfg_(cfg), opt_(opt) {}

TensorQuant TrainingScheme::parameter(const std::string& name) const {
    TensorQuant q;
    const QuantOptimizer::Param* found = opt_.find_param(name);
    if (!found) {  // an activation quantizer's end: the Quantizer group (act_quant_setup.h)
        q.by = "activation quantizer, learned in float (quantizer_optimizer " +
               cfg_.get_string("quantizer_optimizer") + ")";
        return q;
    }
    const QuantOptimizer::Param& p = *found;
    q.by = std::string("method ") + method_name(p.spec.method);
    if (!p.spec.quantized()) return q;
    q.bits = bits_for_levels(p.spec.levels);
    q.levels = p.spec.levels;
    q.scheme = "fixed-levels";
    q.granularity = "none";
    q.symmetric = true;
    q.scale =
        p.spec.method == Method::DoReFa
            ? "none: levels in [-1, 1]; tanh(u) normalised by its per-tensor max in training"
        : p.spec.method == Method::Ewgs
            ? "learned per tensor: |alpha| times levels in [-1, 1] of a learned interval [l, u]"
            : "none: levels fixed in [-1, 1]";
    q.zero_point = "none";
    q.rounding = rounding_of(opt_.hard_spec(p).rule);
    q.observer = "none (quantization-aware training)";
    q.by += " (trained, " + p.spec.str() + ")";
    return q;
}

// Activations and gradients are quantized by the layers act_bits and grad_bits placed
// (optim/train/act_quant_setup.h), which the card reads from the model: the rest is float.
TensorQuant TrainingScheme::gemm_input(const std::string&, bool) const {
    return {};
}

TensorQuant TrainingScheme::gradient(const std::string&) const {
    return {};
}

json TrainingScheme::summary() const {
    json exempt = cfg_.get_string_list("exempt");
    return {
        {"weights", "methods of the run, per parameter (layers[].weight, parameters[])"},
        {"activations",
         "float (32 bits) unless an activation quantizer is listed in layers[].input.by "
         "(act_bits " +
             std::to_string(cfg_.get_int("act_bits")) + ", act_quantizer " +
             cfg_.get_string("act_quantizer") + ")"},
        {"gradients",
         "float (32 bits) unless a gradient quantizer is listed in "
         "layers[].gradient.by (grad_bits " +
             std::to_string(cfg_.get_int("grad_bits")) + ")"},
        {"first_last", cfg_.get_string("first_last")},
        {"observer", "none (quantization-aware training)"},
        {"calibration", {{"set", "none"}, {"batches", 0}, {"images", 0}}},
        {"exempt", exempt},
        {"layer_levels", cfg_.get_json("layer_levels")},
        {"batch_norm", bn_reestimate_batches(cfg_) > 0
                           ? "fp32, statistics re-estimated with the hard weights over " +
                                 std::to_string(bn_reestimate_batches(cfg_)) + " training batches"
                           : "fp32, running statistics of training"},
        {"bn_folded", false},
        {"pooling", "float"},
        {"residual_adds", "float"},
        {"softmax_loss", "float"},
        {"compute", cfg_.get_string("precision") +
                        " arithmetic on the level values (fake quantization, no integer "
                        "kernels)"},
        {"integer_only", false},
        {"evaluated_with",
         "hard-quantized weights, activations on their quantizers' grids (results.test_acc_hard)"},
        {"scale_bits", int64_t{0}}};
}

json card_training(const Experiment& ex) {
    const Config& c = ex.cfg;
    return {{"method", c.get_string("method")},
            {"levels", c.get_int("levels")},
            {"md_stable", c.get_bool("md_stable")},
            {"init", c.get_string("init")},
            {"optimizer", c.get_string("optimizer")},
            {"lr", c.get_float("lr")},
            {"lr_schedule", c.get_string("lr_schedule")},
            {"weight_decay", c.get_float("weight_decay")},
            {"beta_scale", c.get_float("beta_scale")},
            {"beta_interval", c.get_int("beta_interval")},
            {"batch_size", c.get_int("batch_size")},
            {"iterations", ex.run.iterations},
            {"epochs", ex.run.epochs},
            {"precision", c.get_string("precision")},
            {"seed", c.get_int("seed")}};
}

json card_data(const Experiment& ex) {
    const Config& c = ex.cfg;
    json d = {{"dataset", c.get_string("dataset")},
              {"augment", c.get_bool("augment")},
              {"train_transforms", c.get_string_list("train_transforms")},
              {"eval_batches", c.get_int("eval_batches")},
              {"bn_reestimate_batches", bn_reestimate_batches(c)},
              {"labels", "real"}};
    if (ex.splits) {
        d["train_examples"] = ex.splits->train->size();
        d["val_examples"] = ex.splits->val->size();
        d["test_examples"] = ex.splits->test->size();
        d["train_pipeline"] = ex.train_loader->pipeline().description();
    }
    return d;
}

CardInput card_input(const Experiment& ex, const std::string& command) {
    CardInput in;
    in.command = command;
    in.model_name = ex.cfg.get_string("model");
    in.input_h = ex.model_options.input_h;
    in.input_w = ex.model_options.input_w;
    in.in_channels = ex.model_options.in_channels;
    in.num_classes = ex.model_options.num_classes;
    in.training = card_training(ex);
    in.data = card_data(ex);
    return in;
}

json training_card(Experiment& ex, const std::string& command, const json& results) {
    CardInput in = card_input(ex, command);
    in.results = results;
    return build_card(*ex.model, TrainingScheme(ex.cfg, *ex.opt), in);
}

}  // namespace mdq
