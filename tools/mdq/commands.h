// Registration of the mdq subcommands; each lives in its own cmd_*.cpp.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

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

void add_bench_train_command(CLI::App& app);
void add_card_command(CLI::App& app);
void add_ptq_command(CLI::App& app);
void add_infer_command(CLI::App& app);  // also `mdq bench infer`
void add_bench_bitconv_command(CLI::App& app);

// Creates `dir` and its parents; throws mdq::Error naming it when that fails.
void make_output_folder(const std::string& dir);

// The `mdq bench` group that benchmark subcommands attach to (created on first use).
CLI::App& bench_group(CLI::App& app);

// Exit status of a benchmark skipped for want of a GPU (CTest's SKIP_RETURN_CODE).
constexpr int kSkippedExit = 77;

// For the benchmarks' --device and --skip-without-gpu: when `device` names a GPU and none is
// usable, either says `command` was skipped and ends it with kSkippedExit (`skip`), or throws.
void skip_without_gpu(const char* command, const std::string& device, bool skip);

// --skip-without-gpu on `cmd`, bound to `flag`.
void add_skip_without_gpu_flag(CLI::App& cmd, bool& flag);

}  // namespace mdq::tools
