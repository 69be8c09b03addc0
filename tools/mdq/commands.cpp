#include "tools/mdq/commands.h"

namespace mdq::tools {

void register_commands(CLI::App& app) {
    add_version_command(app);
    add_env_command(app);
    add_train_command(app);
    add_eval_command(app);
    add_export_command(app);
    add_summary_command(app);
    add_bench_command(app);
    add_plot_command(app);
    add_bench_md_command(app);
}

CLI::App& bench_group(CLI::App& app) {
    const auto found = app.get_subcommands([](CLI::App* a) { return a->get_name() == "bench"; });
    if (!found.empty()) return *found.front();
    CLI::App* b = app.add_subcommand("bench", "Benchmarks of mdq's kernels");
    b->require_subcommand(1);
    return *b;
}

}  // namespace mdq::tools
