// `mdq card RUN_DIR|CARD.json|CKPT [B]`: prints a run's quantization card (docs/CARD.md) as
// Markdown; with two, compares them field by field and names every field that differs. A
// checkpoint's card is built from the checkpoint (model, configuration, weights), without data.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "optim/train/card_io.h"
#include "optim/train/card_schemes.h"
#include "optim/train/checkpoint.h"
#include "optim/train/train_config.h"
#include "tools/mdq/commands.h"

namespace mdq::tools {

namespace {

struct CardArgs {
    std::vector<std::string> sources;
    bool json = false;
};

nlohmann::json card_of(const std::string& source) {
    namespace fs = std::filesystem;
    MDQ_CHECK(fs::exists(source), "mdq card: '", source, "' does not exist");
    if (fs::is_directory(source)) return read_card((fs::path(source) / "card.json").string());
    if (fs::path(source).extension() == ".json") return read_card(source);
    const Checkpoint ck = read_checkpoint(source);
    Config cfg = make_train_config();
    cfg.merge(ck.config, "the checkpoint's configuration");
    Experiment ex(cfg, Experiment::model_options_from_json(ck.model_options));
    restore_checkpoint(ck, *ex.model, *ex.opt);
    return training_card(ex, "card", {{"checkpoint", source}, {"step", ck.position.step}});
}

void run_card(const CardArgs& a) {
    MDQ_CHECK(a.sources.size() == 1 || a.sources.size() == 2,
              "mdq card takes one run (to print) or two (to compare), got ", a.sources.size());
    const nlohmann::json first = card_of(a.sources[0]);
    if (a.sources.size() == 1) {
        std::fputs(a.json ? (first.dump(2) + "\n").c_str() : card_markdown(first).c_str(), stdout);
        return;
    }
    const std::vector<CardDifference> d = compare_cards(first, card_of(a.sources[1]));
    std::printf("A: %s\nB: %s\n", a.sources[0].c_str(), a.sources[1].c_str());
    for (const CardDifference& x : d)
        std::printf("%s: %s -> %s\n", x.field.c_str(), x.a.c_str(), x.b.c_str());
    std::printf("%zu fields differ\n", d.size());
}

}  // namespace

void add_card_command(CLI::App& app) {
    auto args = std::make_shared<CardArgs>();
    auto* cmd = app.add_subcommand(
        "card", "Print a run's quantization card, or compare two field by field (docs/CARD.md)");
    cmd->add_option("sources", args->sources, "RUN_DIR, card.json or checkpoint; two to compare")
        ->required();
    cmd->add_flag("--json", args->json, "print the card as JSON instead of Markdown");
    cmd->callback([args] { run_card(*args); });
}

}  // namespace mdq::tools
