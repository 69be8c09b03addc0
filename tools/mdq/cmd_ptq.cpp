// `mdq ptq --checkpoint FLOAT_CKPT --out DIR [--set key=value ...]`: post-training quantization
// of a float checkpoint (optim/train/ptq.h, docs/CARD.md). PTQ keys: w_bits, a_bits, observer
// (minmax, ema, percentile, mse), granularity (tensor, channel), symmetric, calib_batches,
// keep_first_last (bits or 0), quantize_residual, percentile, ema_constant, float_reference;
// every other key goes to the run's configuration (data_dir, eval_batches, batch_size...).
// Writes DIR/summary.json (test_acc) and DIR/card.json, DIR/card.md.
#include <cstdio>
#include <memory>

#include "data/safetensors.h"
#include "optim/train/card_io.h"
#include "optim/train/checkpoint.h"
#include "optim/train/ptq.h"
#include "optim/train/train_config.h"
#include "tools/mdq/commands.h"

namespace mdq::tools {

namespace {

struct PtqArgs {
    std::string checkpoint, out;
    std::vector<std::string> sets;
};

void run_ptq_command(const PtqArgs& a) {
    std::vector<std::string> sets = a.sets;
    const PtqOptions o = PtqOptions::take_from(sets);
    const Checkpoint ck = read_checkpoint(a.checkpoint);
    Config cfg = make_train_config();
    cfg.merge(ck.config, "the checkpoint's configuration");
    for (const std::string& s : sets)
        cfg.set(s);
    Experiment ex(cfg);
    restore_checkpoint(ck, *ex.model, *ex.opt);
    PtqResult r = run_ptq(ex, o);
    make_output_folder(a.out);
    nlohmann::json summary = r.summary();
    summary["checkpoint"] = a.checkpoint;
    summary["ptq"] = o.to_json();
    r.card["training"]["checkpoint"] = a.checkpoint;
    write_file_atomic(a.out + "/summary.json", summary.dump(2) + "\n");
    write_card(a.out, r.card);
    std::printf(
        "ptq W%dA%d (%s, per-%s weights, %s, first/last %s, residual %s): test accuracy "
        "%.2f%% over %lld images",
        o.w_bits, o.a_bits, o.observer.c_str(), o.granularity.c_str(),
        o.symmetric ? "symmetric" : "asymmetric",
        o.keep_first_last ? std::to_string(o.keep_first_last).c_str() : "quantized",
        o.quantize_residual ? "quantized" : "float", 100 * r.test_acc,
        static_cast<long long>(r.images));
    if (r.float_test_acc >= 0) std::printf(" (float %.2f%%)", 100 * r.float_test_acc);
    std::printf("\nsummary and quantization card in %s\n", a.out.c_str());
}

}  // namespace

void add_ptq_command(CLI::App& app) {
    auto args = std::make_shared<PtqArgs>();
    auto* cmd = app.add_subcommand(
        "ptq", "Post-training quantization of a float checkpoint, with its card (docs/CARD.md)");
    cmd->add_option("--checkpoint", args->checkpoint, "Float checkpoint")->required();
    cmd->add_option("--out", args->out, "Output folder for summary.json and the card")->required();
    cmd->add_option("--set", args->sets,
                    "w_bits, a_bits, observer, granularity, symmetric, calib_batches, "
                    "keep_first_last, quantize_residual, ...; other keys go to the configuration")
        ->take_all();
    cmd->callback([args] { run_ptq_command(*args); });
}

}  // namespace mdq::tools
