// Registration of the mdq subcommands; each lives in its own cmd_*.cpp.
#pragma once

#include <CLI/CLI.hpp>

namespace mdq::tools {

void register_commands(CLI::App& app);

void add_version_command(CLI::App& app);
void add_env_command(CLI::App& app);
void add_summary_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_plot_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_bench_md_command(CLI::App& app);

// The `mdq bench` group that benchmark subcommands attach to (created on first use).
CLI::App& bench_group(CLI::App& app);

}  // namespace mdq::tools
