// `mdq train`: trains a model as configured by a recipe file and/or --set key=value.
#include <cstdio>
#include <memory>

#include "optim/train/train_config.h"
#include "optim/train/trainer.h"
#include "tools/mdq/commands.h"

namespace mdq::tools {

namespace {
struct TrainArgs {
    std::string config, resume;
    std::vector<std::string> sets;
    bool help_config = false;
};
}  // namespace

void add_train_command(CLI::App& app) {
    auto args = std::make_shared<TrainArgs>();
    auto* cmd = app.add_subcommand("train", "Train a model (see docs/TRAINING.md)");
    cmd->add_option("--config", args->config,
                    "Recipe file (JSON), e.g. configs/cifar10-resnet18-md-tanh-s.json");
    cmd->add_option("--set", args->sets, "key=value overrides, applied after the file")->take_all();
    cmd->add_option("--resume", args->resume,
                    "Continue from a checkpoint (OUT_DIR/last.safetensors)");
    cmd->add_flag("--help-config", args->help_config, "List every configuration key and exit");
    cmd->callback([args] {
        if (args->help_config) {
            std::printf("mdq train configuration keys:\n%s",
                        make_train_config().help_text().c_str());
            return;
        }
        Trainer trainer(make_train_config_from(args->config, args->sets), args->resume);
        trainer.run();
    });
}

}  // namespace mdq::tools
