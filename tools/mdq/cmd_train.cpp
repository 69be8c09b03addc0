// `mdq train`: trains a model as configured by a recipe file and/or --set key=value. Ctrl-C
// or SIGTERM stops at the next step with a checkpoint and prints the command that resumes.
#include <cstdio>
#include <memory>
#include <string>

#include "core/stop_signal.h"

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
// arg quoted for a POSIX shell where it needs it.
std::string shell_quoted(const std::string& arg) {
    if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789_-+=.,:/@%") == std::string::npos)
        return arg;
    std::string q = "'";
    for (char c : arg)
        q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// The command that continues an interrupted run: the same settings, --resume its checkpoint.
std::string resume_command(const TrainArgs& args, const std::string& checkpoint) {
    std::string cmd = "mdq train";
    if (!args.config.empty()) cmd += " --config " + shell_quoted(args.config);
    for (const std::string& s : args.sets)
        cmd += " --set " + shell_quoted(s);
    return cmd + " --resume " + shell_quoted(checkpoint);
}

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
        install_stop_handlers();
        Trainer trainer(make_train_config_from(args->config, args->sets), args->resume);
        try {
            trainer.run();
        } catch (const TrainingInterrupted& e) {
            std::fflush(stdout);
            if (e.report())
                std::fprintf(stderr, "mdq train: %s\nresume with:\n  %s\n", e.what(),
                             resume_command(*args, e.checkpoint()).c_str());
            throw CLI::RuntimeError(exit_status_for(e.signal()));
        }
    });
}

}  // namespace mdq::tools
