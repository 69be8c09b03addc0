#include "tools/mdq/commands.h"

#include <cstdio>
#include <filesystem>

#include "core/device.h"
#include "core/error.h"
#include "core/gpu.h"

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
    add_bench_train_command(app);
    add_card_command(app);
    add_ptq_command(app);
    add_infer_command(app);
    add_bench_bitconv_command(app);
}

void make_output_folder(const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    MDQ_CHECK(!ec, "cannot create the output folder '", dir, "': ", ec.message());
}

CLI::App& bench_group(CLI::App& app) {
    const auto found = app.get_subcommands([](CLI::App* a) { return a->get_name() == "bench"; });
    if (!found.empty()) return *found.front();
    CLI::App* b = app.add_subcommand("bench", "Benchmarks of mdq's kernels");
    b->require_subcommand(1);
    return *b;
}

void skip_without_gpu(const char* command, const std::string& device, bool skip) {
    if (!Device::parse(device).is_cuda() || gpu::available()) return;
    MDQ_CHECK(skip, command, ": --device ", device, " but no usable GPU here (use --device cpu)");
    std::printf("%s: skipped, no usable GPU\n", command);
    throw CLI::RuntimeError(kSkippedExit);
}

void add_skip_without_gpu_flag(CLI::App& cmd, bool& flag) {
    cmd.add_flag("--skip-without-gpu", flag,
                 "exit with status 77 (skipped) when a GPU was asked for and none is usable");
}

}  // namespace mdq::tools
