// `mdq bench models`: forward + backward (cross-entropy loss, gradients into the parameter
// arena) per batch for models of the zoo on one device. GPU times come from CUDA events on the
// device's stream, CPU times from the host clock; each figure is the median of the timed
// iterations after the warm-up ones.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/gpu.h"
#include "core/stream.h"
#include "kernels/fill/fill.h"
#include "kernels/loss/loss.h"
#include "layers/param_arena.h"
#include "models/registry.h"
#include "tools/mdq/commands.h"
#include "tools/mdq/device_timer.h"
#include "tools/mdq/format.h"

namespace mdq::tools {

namespace {

struct BenchArgs {
    std::string models = "resnet18-cifar,vgg16-cifar,resnet18,mobilenetv2";
    std::string widths;  // of a thinned model, for every model named
    std::string device = "auto", precision = "f32";
    int64_t batch = 128;
    int warmup = 3, iters = 10;
};

struct Timing {
    double median_ms, min_ms;
};

// Times fn (which enqueues work on device) `iters` times after `warmup` calls.
template <class Fn>
Timing time_calls(Device device, int warmup, int iters, Fn&& fn) {
    for (int i = 0; i < warmup; ++i)
        fn();
    current_stream(device).synchronize();
    std::vector<double> ms = time_each_ms(device, iters, fn);
    return {median_of(ms), *std::min_element(ms.begin(), ms.end())};
}

void bench_model(const std::string& name, const BenchArgs& a, Device device, DType precision) {
    ModelOptions o;
    o.widths = parse_widths(a.widths);  // a thinned model (docs/PRUNING.md)
    o = resolve_options(name, o);
    ModulePtr m = build_model(name, o);
    m->to(device);
    m->set_compute_dtype(precision);
    m->train();
    ParamArena arena(*m);
    if (precision == DType::BF16 && device.is_cuda()) arena.enable_compute_copy(DType::BF16);
    const Tensor x =
        uniform({a.batch, o.input_h, o.input_w, o.in_channels}, -1, 1, DType::F32, device);
    std::vector<int64_t> labels(static_cast<size_t>(a.batch));
    for (int64_t i = 0; i < a.batch; ++i)
        labels[static_cast<size_t>(i)] = i % o.num_classes;
    const Tensor y = Tensor::from_vector(labels, {a.batch}, device);
    const Timing t = time_calls(device, a.warmup, a.iters, [&] {
        arena.zero_grad();
        cross_entropy((*m)(x), y).backward();
    });
    const std::string input = std::to_string(o.input_h) + "x" + std::to_string(o.input_w) + "x" +
                              std::to_string(o.in_channels);
    std::printf("%-18s %-11s %12s %6ld %10.2f %10.2f %10.0f\n", name.c_str(), input.c_str(),
                with_commas(arena.num_parameters()).c_str(), static_cast<long>(a.batch),
                t.median_ms, t.min_ms, 1000.0 * static_cast<double>(a.batch) / t.median_ms);
    std::fflush(stdout);
}

void bench_models(const BenchArgs& a) {
    const Device device = Device::parse(a.device);
    const DType precision = dtype_from_name(a.precision);
    MDQ_CHECK(precision == DType::F32 || precision == DType::BF16,
              "--precision: f32 or bf16, got '", a.precision, "'");
    MDQ_CHECK(a.batch > 1 && a.iters > 0 && a.warmup >= 0, "bench models: needs --batch > 1, ",
              "--iters > 0 and --warmup >= 0");
    const std::vector<std::string> names = split_list(a.models);
    for (const std::string& name : names)
        model_info(name);  // unknown names fail before anything runs
    std::string where = device.str();
    if (device.is_cuda()) where += " (" + gpu::device_info(device.index).name + ")";
    std::printf("forward + backward per batch on %s, %s%s, median of %d after %d warm-up\n\n",
                where.c_str(), dtype_name(precision),
                precision == DType::BF16 && device.is_cpu() ? " (computed in f32 on the CPU)" : "",
                a.iters, a.warmup);
    std::printf("%-18s %-11s %12s %6s %10s %10s %10s\n", "model", "input", "parameters", "batch",
                "median ms", "min ms", "images/s");
    for (const std::string& name : names)
        bench_model(name, a, device, precision);
}

}  // namespace

void add_bench_command(CLI::App& app) {
    CLI::App* bench = app.add_subcommand("bench", "Benchmarks");
    bench->require_subcommand(1);
    auto args = std::make_shared<BenchArgs>();
    CLI::App* models = bench->add_subcommand(
        "models",
        "Time forward + backward per batch of zoo models (the four paper models "
        "by default)");
    models->add_option("--models", args->models, "Comma-separated model names");
    models->add_option("--batch", args->batch, "Batch size (default 128)");
    models->add_option("--device", args->device, "cpu, cuda, cuda:N or auto (default)");
    models->add_option("--precision", args->precision, "f32 (default) or bf16");
    models->add_option("--warmup", args->warmup, "Untimed iterations first (default 3)");
    models->add_option("--iters", args->iters, "Timed iterations (default 10)");
    models->add_option("--widths", args->widths,
                       "A thinned model: {\"batch norm\": channels} (model.json's model_widths)");
    models->callback([args] { bench_models(*args); });
}

}  // namespace mdq::tools
