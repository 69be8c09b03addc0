#include "tests/fuzz/fuzz_model.h"

#include "layers/batch_norm.h"
#include "layers/init.h"
#include "layers/linear.h"
#include "layers/sequential.h"
#include "optim/train/train_config.h"
#include "optim/train/train_setup.h"

namespace mdq::fuzz {

namespace {
Config ternary_config(const char* model) {
    Config cfg = make_train_config();
    for (const std::string s : {"device=cpu", "method=md-tanh-s", "levels=3"})
        cfg.set(s);
    cfg.set(std::string("model=") + model);
    return cfg;
}
}  // namespace

SmallModel& small_model() {
    static SmallModel m = [] {
        SmallModel s;
        auto net = std::make_shared<Sequential>();
        net->add(std::make_shared<Linear>(6, 5), "fc1");
        net->add(std::make_shared<BatchNorm1d>(BatchNormOptions(5)), "bn");
        net->add(std::make_shared<Linear>(5, 3), "fc2");
        init_parameters(*net, 7);
        s.model = net;
        s.arena = std::make_unique<ParamArena>(*net);
        const Config cfg = ternary_config("lenet5");
        const RunLength run = run_length(cfg, 1, 1);
        s.opt = std::make_unique<QuantOptimizer>(*s.arena, quant_config_from(cfg),
                                                 optim_config_from(cfg, run, 1, 1));
        return s;
    }();
    return m;
}

Experiment& lenet_experiment() {
    static Experiment ex(ternary_config("lenet5"), resolve_options("lenet5", ModelOptions{}));
    return ex;
}

}  // namespace mdq::fuzz
