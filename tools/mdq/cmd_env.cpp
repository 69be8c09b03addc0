// `mdq version` and `mdq env`: what this build contains and what the machine offers.
#include <omp.h>

#include <cstdio>
#include <cstdlib>

#include "core/comm/world.h"
#include "core/gpu.h"
#include "mdq/config.h"
#include "tools/mdq/commands.h"

namespace mdq::tools {

namespace {
const char* yes_no(int v) {
    return v ? "yes" : "no";
}

void print_env() {
    std::printf("mdq %s (%s build)\n", MDQ_VERSION, MDQ_BUILD_TYPE);
    std::printf("compiler         %s\n", MDQ_CXX_COMPILER);
    std::printf("built with CUDA  %s", yes_no(MDQ_WITH_CUDA));
    if (MDQ_WITH_CUDA)
        std::printf(" (nvcc %s, archs %s)", MDQ_CUDA_COMPILER, MDQ_CUDA_ARCHITECTURES);
    std::printf("\nbuilt with cuDNN %s\nbuilt with NCCL  %s\nbuilt with MPI   %s\n",
                yes_no(MDQ_WITH_CUDNN), yes_no(MDQ_WITH_NCCL), yes_no(MDQ_WITH_MPI));
    std::printf("CUDA runtime     %s\n", gpu::runtime_version().c_str());
    std::printf("CUDA driver      %s\n", gpu::driver_version().c_str());
    std::printf("cuBLAS           %s\n", gpu::cublas_version().c_str());
    std::printf("cuDNN            %s\n", gpu::cudnn_version().c_str());
    std::printf("NCCL             %s\n", gpu::nccl_version().c_str());
    std::printf("CPU threads      %d\n", omp_get_max_threads());
    const comm::WorldInfo w = comm::detect_world();
    std::printf("launcher         %s: rank %d of %d, local rank %d\n", w.launcher.c_str(), w.rank,
                w.size, w.local_rank);
    const char* disabled = std::getenv("MDQ_DISABLE_CUDA");
    if (disabled && *disabled && std::string(disabled) != "0")
        std::printf("MDQ_DISABLE_CUDA is set: GPUs are ignored\n");
    const int n = gpu::device_count();
    std::printf("GPUs visible     %d\n", n);
    for (int i = 0; i < n; ++i) {
        const gpu::DeviceInfo d = gpu::device_info(i);
        std::printf("  cuda:%d  %s  sm_%d%d  %.1f GiB  %d SMs\n", i, d.name.c_str(), d.major,
                    d.minor, static_cast<double>(d.total_memory) / (1 << 30), d.multiprocessors);
    }
}
}  // namespace

void add_version_command(CLI::App& app) {
    app.add_subcommand("version", "Print the mdq version")->callback([] {
        std::printf("mdq %s\n", MDQ_VERSION);
    });
}

void add_env_command(CLI::App& app) {
    app.add_subcommand("env", "Print build options, library versions and the GPUs mdq sees")
        ->callback(print_env);
}

}  // namespace mdq::tools
