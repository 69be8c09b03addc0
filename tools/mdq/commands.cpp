#include "tools/mdq/commands.h"

namespace mdq::tools {

void register_commands(CLI::App& app) {
    add_version_command(app);
    add_env_command(app);
    add_summary_command(app);
    add_bench_command(app);
    add_plot_command(app);
}

}  // namespace mdq::tools
