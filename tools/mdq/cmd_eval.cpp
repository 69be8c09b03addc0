// `mdq eval --checkpoint PATH`: accuracy of a checkpoint with soft and hard-quantized weights;
// --logits FILE also writes the logits of the split's first batch (for interop checks). Without
// --checkpoint, the model named by --set model=... starts from --set init_from=FILE (a PyTorch
// state_dict or an mdq checkpoint, docs/INTEROP.md) and is evaluated as the optimizer sets it up.
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include "core/autograd.h"
#include "data/safetensors.h"
#include "optim/train/card_io.h"
#include "optim/train/card_schemes.h"
#include "optim/train/checkpoint.h"
#include "optim/train/experiment.h"
#include "optim/train/hard_eval.h"
#include "optim/train/train_config.h"
#include "tools/mdq/commands.h"

namespace mdq::tools {

namespace {
struct EvalArgs {
    std::string checkpoint, split = "test", logits, out;
    std::vector<std::string> sets;
};

// Writes FILE with the first batch's images (NHWC), labels and the logits with soft and with
// hard weights (the model's own batch-norm statistics: bn_reestimate must be 0).
void write_logits(const std::string& path, Experiment& ex, data::Loader& loader) {
    MDQ_CHECK(bn_reestimate_batches(ex.cfg) == 0,
              "--logits: the hard logits use the checkpoint's batch-norm statistics; add "
              "--set bn_reestimate=0");
    NoGradGuard no_grad;
    ex.model->eval();
    loader.start_epoch(0);
    const std::optional<data::Batch> b = loader.next();
    MDQ_CHECK(b.has_value(), "--logits: the split has no batch");
    std::map<std::string, Tensor> out{{"images", b->images}, {"labels", b->labels}};
    out["soft"] = (*ex.model)(b->images).to(DType::F32);
    {
        HardWeights hard(*ex.opt);
        out["hard"] = (*ex.model)(b->images).to(DType::F32);
    }
    save_safetensors(path, out);
}

// CKPT_DIR/eval-STEM-SPLIT: beside the checkpoint, apart from the training run's own files.
std::string default_eval_dir(const std::string& checkpoint, const std::string& split) {
    const std::filesystem::path p(checkpoint);
    return (p.parent_path() / ("eval-" + p.stem().string() + "-" + split)).string();
}

void run_eval(const EvalArgs& a) {
    MDQ_CHECK(a.split == "test" || a.split == "val", "--split must be test or val, got '", a.split,
              "'");
    Config cfg = make_train_config();
    std::optional<Checkpoint> ck;
    if (!a.checkpoint.empty()) {
        ck = read_checkpoint(a.checkpoint);
        cfg.merge(ck->config, "the checkpoint's configuration");
        cfg.set("init_from=");  // the weights are the checkpoint's, not its run's warm start
    }
    for (const std::string& s : a.sets) {
        MDQ_CHECK(!ck || s.rfind("init_from=", 0) != 0,
                  "mdq eval: --set init_from evaluates imported weights without --checkpoint");
        cfg.set(s);
    }
    const std::string source = ck ? a.checkpoint : cfg.get_string("init_from");
    MDQ_CHECK(!source.empty(),
              "mdq eval: give --checkpoint FILE, or --set init_from=FILE with --set model=NAME "
              "to evaluate imported weights");
    Experiment ex(cfg);  // imports init_from when there is no checkpoint
    if (ck) {
        restore_checkpoint(*ck, *ex.model, *ex.opt);
        restore_pruner(ck->model_options, ex.prune.get(), a.checkpoint);  // prune=taylor's masks
    }
    const int64_t step = ck ? ck->position.step : 0;
    data::Loader& loader = a.split == "test" ? *ex.test_loader : *ex.val_loader;
    const EvalResult soft = ex.evaluate_soft(loader), hard = ex.evaluate_hard(loader);
    std::printf("%s (%s on %s, %s, %lld levels, step %lld, beta %.4g)\n", source.c_str(),
                cfg.get_string("model").c_str(), cfg.get_string("dataset").c_str(),
                cfg.get_string("method").c_str(), static_cast<long long>(cfg.get_int("levels")),
                static_cast<long long>(step), ex.opt->beta());
    std::printf(
        "%s accuracy: soft weights %.2f%% (loss %.4f), hard-quantized weights %.2f%% (loss "
        "%.4f), %lld images\n",
        a.split.c_str(), 100 * soft.acc, soft.loss, 100 * hard.acc, hard.loss,
        static_cast<long long>(soft.count));
    if (!a.logits.empty()) {
        write_logits(a.logits, ex, loader);
        std::printf("logits of the first batch in %s\n", a.logits.c_str());
    }
    // summary.json and the quantization card of this evaluation (docs/CARD.md).
    const std::string out = a.out.empty() ? default_eval_dir(source, a.split) : a.out;
    make_output_folder(out);
    const nlohmann::json summary = {{ck ? "checkpoint" : "init_from", source},
                                    {"split", a.split},
                                    {"step", step},
                                    {a.split + "_acc_soft", soft.acc},
                                    {a.split + "_acc_hard", hard.acc},
                                    {a.split + "_loss_soft", soft.loss},
                                    {a.split + "_loss_hard", hard.loss},
                                    {"images", soft.count}};
    write_file_atomic(out + "/summary.json", summary.dump(2) + "\n");
    write_card(out, training_card(ex, "eval", summary));
    std::printf("summary and quantization card in %s\n", out.c_str());
}
}  // namespace

void add_eval_command(CLI::App& app) {
    auto args = std::make_shared<EvalArgs>();
    auto* cmd = app.add_subcommand("eval", "Evaluate a checkpoint with soft and hard weights");
    cmd->add_option("--checkpoint", args->checkpoint,
                    "Checkpoint file (or --set init_from=FILE --set model=NAME)");
    cmd->add_option("--split", args->split, "test (default) or val");
    cmd->add_option(
        "--logits", args->logits,
        "Also write the first batch's images, labels and soft/hard logits (safetensors)");
    cmd->add_option("--out", args->out,
                    "folder for summary.json and the card (default: CKPT_DIR/eval-STEM-SPLIT)");
    cmd->add_option("--set", args->sets, "key=value overrides (data_dir, device, bn_reestimate...)")
        ->take_all();
    cmd->callback([args] { run_eval(*args); });
}

}  // namespace mdq::tools
