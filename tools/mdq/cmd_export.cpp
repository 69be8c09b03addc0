// `mdq export --checkpoint PATH --out DIR [--thin]`: packed quantized weights + JSON metadata;
// --thin first removes a prune=taylor checkpoint's pruned channels (DIR/checkpoint.safetensors,
// the thinned model's checkpoint) and exports that.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <memory>

#include "optim/train/checkpoint.h"
#include "optim/train/model_export.h"
#include "optim/train/thin_checkpoint.h"
#include "optim/train/train_config.h"
#include "tools/mdq/commands.h"

namespace mdq::tools {

namespace {
struct ExportArgs {
    std::string checkpoint, out;
    bool thin = false;
};

void run_export(ExportArgs a) {
    if (a.thin) {
        if (::mkdir(a.out.c_str(), 0755) != 0 && errno != EEXIST)
            MDQ_THROW(IoError, "cannot create the export folder '", a.out, "'");
        const std::string thinned = a.out + "/checkpoint.safetensors";
        const ThinResult r = write_thinned_checkpoint(a.checkpoint, thinned);
        std::printf("thinned %s: %lld -> %lld parameters, checkpoint %s\n", a.checkpoint.c_str(),
                    static_cast<long long>(r.parameters_before),
                    static_cast<long long>(r.parameters), thinned.c_str());
        a.checkpoint = thinned;
    }
    const Checkpoint ck = read_checkpoint(a.checkpoint);
    Config cfg = make_train_config();
    cfg.merge(ck.config, "the checkpoint's configuration");
    cfg.set("device=cpu");
    Experiment ex(cfg, Experiment::model_options_from_json(ck.model_options));
    restore_checkpoint(ck, *ex.model, *ex.opt);
    write_export(a.out, ex);
    int64_t packed = 0, bytes = 0;
    for (auto& [name, p] : ex.opt->export_packed()) {
        packed += p.numel();
        bytes += p.data.numel();
    }
    std::printf(
        "exported %s to %s: %lld quantized weights in %lld bytes (model.safetensors, "
        "model.json)\n",
        a.checkpoint.c_str(), a.out.c_str(), static_cast<long long>(packed),
        static_cast<long long>(bytes));
}
}  // namespace

void add_export_command(CLI::App& app) {
    auto args = std::make_shared<ExportArgs>();
    auto* cmd = app.add_subcommand("export", "Export packed quantized weights and metadata");
    cmd->add_option("--checkpoint", args->checkpoint, "Checkpoint file")->required();
    cmd->add_option("--out", args->out, "Output folder")->required();
    cmd->add_flag("--thin", args->thin,
                  "Remove the pruned channels of a prune=taylor checkpoint first (writes "
                  "OUT/checkpoint.safetensors, the thinned model)");
    cmd->callback([args] { run_export(*args); });
}

}  // namespace mdq::tools
