#include "optim/train/thin_checkpoint.h"

#include "core/autograd.h"
#include "layers/summary.h"
#include "optim/train/checkpoint.h"
#include "optim/train/experiment.h"
#include "optim/train/thin.h"
#include "optim/train/train_config.h"

namespace mdq {

namespace {

Config config_of(const nlohmann::json& j) {
    Config cfg = make_train_config();
    cfg.merge(j, "the checkpoint's configuration");
    cfg.set("device=cpu");
    return cfg;
}

}  // namespace

int64_t model_macs(const std::string& model, const ModelOptions& o) {
    const ModelOptions r = resolve_options(model, o);
    ModulePtr m = build_model(model, r);
    m->eval();
    NoGradGuard no_grad;
    int64_t macs = 0;
    for (const LayerRecord& row :
         trace_layers(*m, Tensor::zeros({1, r.input_h, r.input_w, r.in_channels})))
        macs += row.macs;
    return macs;
}

ThinResult write_thinned_checkpoint(const std::string& in, const std::string& out) {
    const Checkpoint ck = read_checkpoint(in);
    MDQ_CHECK(ck.model_options.contains(kPrunerStateKey), "--thin: '", in,
              "' was not trained with prune=taylor; there are no pruned channels to remove");
    const Config cfg = config_of(ck.config);
    const ModelOptions mo = Experiment::model_options_from_json(ck.model_options);
    Experiment masked(cfg, mo);
    restore_checkpoint(ck, *masked.model, *masked.opt);
    const std::vector<ChannelGroup> plan = channel_plan(*masked.model);
    TaylorPruner pruner(gate_groups(plan), taylor_options_from(cfg));
    pruner.load_state(ck.model_options.at(kPrunerStateKey).get<std::vector<double>>());

    ThinResult r;
    r.widths = thinned_widths(plan, pruner.masks());
    r.parameters_before = masked.model->num_parameters();
    nlohmann::json config = ck.config;
    config["prune"] = "none";
    config["model_widths"] = r.widths;
    Experiment thin(config_of(config), mo);
    thin.model->load_state_dict(thin_tensors(masked.model->state_dict(), plan, pruner.masks()));
    OptimizerState st = masked.opt->state();
    st.tensors = thin_tensors(st.tensors, plan, pruner.masks());
    thin.opt->load_state(st);
    r.parameters = thin.model->num_parameters();
    save_checkpoint(out, *thin.model, *thin.opt, ck.position, config, thin.model_options_json());
    return r;
}

}  // namespace mdq
