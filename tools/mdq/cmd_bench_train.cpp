// `mdq bench train`: steady-state training throughput of one configuration
// (docs/BENCHMARKS.md, "Training throughput vs PyTorch"). After the warm-up, the steps run in
// timed windows (CUDA events on the GPU, the host clock on the CPU) and images/s is the median
// over the windows. Separate, profiled windows of eager steps then split a step into
// convolution, batch norm, optimizer and the rest, so that profiling never touches the
// reported images/s. Peak device memory is the allocator's peak from the end of the warm-up
// on. The data is one synthetic batch made on the device (the compute alone) or the real
// loader reading files.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/allocator.h"
#include "core/gpu.h"
#include "data/splits.h"
#include "kernels/conv/conv.h"
#include "optim/train/experiment.h"
#include "optim/train/step_profiler.h"
#include "optim/train/train_config.h"
#include "optim/train/train_step.h"
#include "tools/mdq/commands.h"
#include "tools/mdq/device_timer.h"
#include "tools/mdq/format.h"

namespace mdq::tools {

namespace {

struct Args {
    std::string model = "resnet18-cifar", method = "md-tanh-s", optimizer = "sgd";
    std::string precision = "bf16", data = "synthetic", dataset, device = "auto", json;
    int64_t levels = 2, batch = 256, workers = 4;
    int warmup = 20, iters = 20, windows = 5, profile_iters = 10;
    bool graph = false, cudnn_benchmark = true, skip_without_gpu = false;
    std::vector<std::string> sets;
};

// The dataset a model trains on when --data names a folder and --dataset is not given.
std::string default_dataset(const std::string& model) {
    if (model == "lenet5" || model == "small-cnn") return "fashion-mnist";
    const std::string cifar = "-cifar";
    if (model.size() > cifar.size() &&
        model.compare(model.size() - cifar.size(), cifar.size(), cifar) == 0)
        return "cifar10";
    return "imagenet";
}

bool is_dataset_name(const std::string& s) {
    for (const std::string& n : data::dataset_names())
        if (n == s) return true;
    return false;
}

// "off", or the backend and world size of the gradient all-reduce (`--set comm_backend=nccl`
// puts a single process on the data-parallel path, to measure its overhead).
std::string data_parallel(const Experiment& ex) {
    if (!ex.dp) return "off";
    return std::string(ex.comm->backend()) + " at world size " + std::to_string(ex.comm->size());
}

Config bench_config(const Args& a) {
    Config cfg = make_train_config();
    const std::vector<std::string> sets = {
        "model=" + a.model,
        "method=" + a.method,
        "levels=" + std::to_string(a.levels),
        "optimizer=" + a.optimizer,
        "precision=" + a.precision,
        "batch_size=" + std::to_string(a.batch),
        "device=" + a.device,
        "num_workers=" + std::to_string(a.workers),
        "drop_last=true",  // full batches only: the figure is per full batch
        "cuda_graph=" + std::string(a.graph ? "true" : "false"),
        "iterations=1000000",  // far beyond the bench: no schedule reaches its end
        "progress=false",
    };
    for (const std::string& s : sets)
        cfg.set(s);
    if (a.data != "synthetic") {
        std::string dataset = a.data;  // a name: read from the dataset's default folder
        if (!is_dataset_name(a.data)) {
            dataset = a.dataset.empty() ? default_dataset(a.model) : a.dataset;
            cfg.set("data_dir=" + a.data);
        }
        cfg.set("dataset=" + dataset);
    }
    for (const std::string& s : a.sets)
        cfg.set(s);
    return cfg;
}

// Hands out the batches of the run: the synthetic one again and again, or the loader's,
// starting a new epoch whenever one ends.
std::function<data::Batch()> batch_source(Experiment& ex) {
    if (!ex.train_loader) return [&ex] { return ex.synthetic; };
    auto epoch = std::make_shared<int64_t>(0);
    return [&ex, epoch] {
        std::optional<data::Batch> b = ex.train_loader->next();
        if (!b) {
            ex.train_loader->start_epoch(++*epoch);
            b = ex.train_loader->next();
        }
        MDQ_CHECK(b.has_value(), "bench train: the loader gives no full batch of ",
                  ex.cfg.get_int("batch_size"), " (a dataset smaller than one batch?)");
        return *b;
    };
}

struct Split {
    double step_ms = 0;  // one profiled eager step, event records included
    StepProfiler::Split part_ms{};
    double rest_ms() const {
        double r = step_ms;
        for (double p : part_ms)
            r -= p;
        return r > 0 ? r : 0;
    }
};

// Per-step milliseconds by part over `iters` eager steps with the profiler installed.
Split profile_steps(Experiment& ex, const std::function<data::Batch()>& next, int iters) {
    TrainStep step(ex);  // eager, whatever the timed windows ran
    StepProfiler profiler(ex.device);
    DeviceTimer timer(ex.device);
    Split s;
    {
        StepProfiler::Scope on(profiler);
        timer.start();
        for (int i = 0; i < iters; ++i) {
            const data::Batch b = next();
            step.run(b.images, b.labels);
        }
        s.step_ms = timer.stop_ms() / iters;
    }
    s.part_ms = profiler.take_ms();
    for (double& p : s.part_ms)
        p /= iters;
    return s;
}

struct Result {
    std::vector<double> images_per_s;  // per window
    double median_images_per_s = 0, median_step_ms = 0;
    size_t peak_bytes = 0, reserved_bytes = 0;
    double mean_loss = 0;
    int64_t graph_replays = 0;
    Split split;
};

double mib(size_t bytes) {
    return static_cast<double>(bytes) / (1 << 20);
}

nlohmann::json to_json(const Args& a, const Experiment& ex, const std::string& card,
                       const Result& r) {
    nlohmann::json split = {{"step_ms", r.split.step_ms}, {"rest_ms", r.split.rest_ms()}};
    for (int p = 0; p < kStepParts; ++p)
        split[std::string(step_part_name(static_cast<StepPart>(p))) + "_ms"] = r.split.part_ms[p];
    const char* tf32 = std::getenv("MDQ_ALLOW_TF32");
    return {{"tool", "mdq"},
            {"model", a.model},
            {"parameters", ex.arena->num_parameters()},
            {"method", a.method},
            {"levels", a.levels},
            {"optimizer", a.optimizer},
            {"precision", a.precision},
            {"tf32", tf32 != nullptr && std::string(tf32) == "1"},
            {"batch", a.batch},
            {"data", a.data},
            {"graph", a.graph},
            {"cudnn_benchmark", a.cudnn_benchmark},
            {"device", ex.device.str()},
            {"data_parallel", data_parallel(ex)},
            {"card", card},
            {"warmup", a.warmup},
            {"iters", a.iters},
            {"windows", a.windows},
            {"images_per_s", r.median_images_per_s},
            {"images_per_s_windows", r.images_per_s},
            {"step_ms", r.median_step_ms},
            {"peak_mib", mib(r.peak_bytes)},
            {"reserved_mib", mib(r.reserved_bytes)},
            {"mean_loss", r.mean_loss},
            {"graph_replays", r.graph_replays},
            {"split", split}};
}

void print_result(const Args& a, const Experiment& ex, const std::string& card, const Result& r) {
    std::printf(
        "mdq bench train: %s (%s parameters), %s with %lld levels, %s, %s, batch %lld, %s data%s "
        "on %s\n",
        a.model.c_str(), with_commas(ex.arena->num_parameters()).c_str(), a.method.c_str(),
        static_cast<long long>(a.levels), a.optimizer.c_str(), a.precision.c_str(),
        static_cast<long long>(a.batch), a.data.c_str(), a.graph ? ", CUDA graph" : "",
        card.c_str());
    std::printf("data-parallel path: %s\n", data_parallel(ex).c_str());
    std::printf("warm-up %d steps, then %d windows of %d steps\n", a.warmup, a.windows, a.iters);
    const auto [lo, hi] = std::minmax_element(r.images_per_s.begin(), r.images_per_s.end());
    std::printf("images/s: median %.0f (windows %.0f to %.0f), step %.3f ms\n",
                r.median_images_per_s, *lo, *hi, r.median_step_ms);
    std::printf("peak memory: %.1f MiB allocated (%.1f MiB reserved)\n", mib(r.peak_bytes),
                mib(r.reserved_bytes));
    const Split& s = r.split;
    auto pct = [&](double ms) { return s.step_ms > 0 ? 100.0 * ms / s.step_ms : 0.0; };
    std::printf("time split of a profiled eager step (%.3f ms, %d steps):", s.step_ms,
                a.profile_iters);
    for (int p = 0; p < kStepParts; ++p)
        std::printf(" %s %.1f%%", step_part_name(static_cast<StepPart>(p)), pct(s.part_ms[p]));
    std::printf(" rest %.1f%%\n", pct(s.rest_ms()));
    std::printf("mean training loss over the timed steps: %.4f\n", r.mean_loss);
    std::fflush(stdout);
}

void check_args(const Args& a) {
    MDQ_CHECK(a.batch > 0 && a.iters > 0 && a.windows > 0 && a.profile_iters > 0,
              "bench train: --batch, --iters, --windows and --profile-iters must be positive");
    const int64_t eager = TrainStepOptions{}.eager_steps;
    MDQ_CHECK(a.warmup >= (a.graph ? eager + 2 : 1), "bench train: --warmup must be at least ",
              a.graph ? eager + 2 : 1,
              a.graph ? " with --graph (eager steps, the capture and one replay)" : "", ", got ",
              a.warmup);
}

void run_bench(const Args& a) {
    check_args(a);
    skip_without_gpu("bench train", a.device, a.skip_without_gpu);
    set_conv_benchmark(a.cudnn_benchmark);  // before the first convolution
    const Config cfg = bench_config(a);
    Experiment ex =
        a.data == "synthetic" ? Experiment(cfg, Experiment::Synthetic{}) : Experiment(cfg);
    const std::string card =
        ex.device.is_cuda() ? gpu::device_info(ex.device.index).name : std::string("cpu");
    ex.model->train();
    const std::function<data::Batch()> next = batch_source(ex);
    TrainStep step(ex, train_step_options_from(cfg));
    const Stream stream = current_stream(ex.device);
    for (int i = 0; i < a.warmup; ++i) {
        const data::Batch b = next();
        step.run(b.images, b.labels);
    }
    stream.synchronize();
    const int64_t searches = conv_algorithm_searches();
    Allocator& alloc = allocator_for(ex.device);
    alloc.reset_peak();
    step.reset();

    Result r;
    DeviceTimer timer(ex.device);
    std::vector<double> step_ms;
    for (int w = 0; w < a.windows; ++w) {
        timer.start();
        for (int i = 0; i < a.iters; ++i) {
            const data::Batch b = next();
            step.run(b.images, b.labels);
        }
        const double ms = timer.stop_ms();
        step_ms.push_back(ms / a.iters);
        r.images_per_s.push_back(1000.0 * static_cast<double>(a.iters * a.batch) / ms);
    }
    r.median_images_per_s = median_of(r.images_per_s);
    r.median_step_ms = median_of(step_ms);
    r.mean_loss = step.loss_sum().item<double>() / static_cast<double>(step.steps());
    MDQ_CHECK(std::isfinite(r.mean_loss), "bench train: the training loss is ", r.mean_loss,
              " over the timed steps; the measured steps did not train");
    MDQ_CHECK(conv_algorithm_searches() == searches,
              "bench train: ", conv_algorithm_searches() - searches,
              " cuDNN algorithm searches ran inside the timed windows; the warm-up missed a "
              "convolution problem, so the figure includes search time");
    if (step.graph_policy()) r.graph_replays = step.graph_policy()->replays();

    // The peak covers the profiled eager steps too: a graph replay holds the live set of the
    // step it captured, but its memory nodes never pass through the allocator's counters.
    r.split = profile_steps(ex, next, a.profile_iters);
    const AllocatorStats mem = alloc.stats();
    r.peak_bytes = mem.peak;
    r.reserved_bytes = mem.reserved;
    print_result(a, ex, card, r);
    if (!a.json.empty()) {
        std::ofstream f(a.json);
        MDQ_CHECK(f.good(), "bench train: cannot write '", a.json, "'");
        f << to_json(a, ex, card, r).dump(2) << "\n";
        MDQ_CHECK(f.good(), "bench train: writing '", a.json, "' failed");
    }
}

}  // namespace

void add_bench_train_command(CLI::App& app) {
    auto a = std::make_shared<Args>();
    CLI::App* cmd = bench_group(app).add_subcommand(
        "train",
        "Training throughput of one configuration: images/s, peak memory and the time split "
        "(docs/BENCHMARKS.md)");
    cmd->add_option("--model", a->model, "model name")->capture_default_str();
    cmd->add_option("--method", a->method, "quantization method (float, md-tanh-s, ...)")
        ->capture_default_str();
    cmd->add_option("--levels", a->levels, "weight levels (2: binary)")->capture_default_str();
    cmd->add_option("--optimizer", a->optimizer, "sgd (momentum 0.9), adam or adamw")
        ->capture_default_str();
    cmd->add_option("--precision", a->precision, "fp32 or bf16")->capture_default_str();
    cmd->add_option("--batch", a->batch, "batch size")->capture_default_str();
    cmd->add_option("--data", a->data,
                    "synthetic (one batch made on the device), a dataset name, or a dataset "
                    "folder (then --dataset, default from the model)")
        ->capture_default_str();
    cmd->add_option("--dataset", a->dataset, "the dataset in the --data folder");
    cmd->add_option("--workers", a->workers, "loader threads")->capture_default_str();
    cmd->add_option("--device", a->device, "cpu, cuda, cuda:N or auto")->capture_default_str();
    cmd->add_option("--warmup", a->warmup, "untimed steps first")->capture_default_str();
    cmd->add_option("--iters", a->iters, "steps per timed window")->capture_default_str();
    cmd->add_option("--windows", a->windows, "timed windows (images/s is their median)")
        ->capture_default_str();
    cmd->add_option("--profile-iters", a->profile_iters, "profiled steps for the time split")
        ->capture_default_str();
    cmd->add_flag("--graph", a->graph, "capture the step in a CUDA graph and replay it");
    cmd->add_flag("!--no-cudnn-benchmark", a->cudnn_benchmark,
                  "use cuDNN's heuristics instead of timing its algorithms in the warm-up");
    cmd->add_option("--set", a->sets, "further train config key=value settings")->take_all();
    cmd->add_option("--json", a->json, "also write every figure to this JSON file");
    add_skip_without_gpu_flag(*cmd, a->skip_without_gpu);
    cmd->callback([a] { run_bench(*a); });
}

}  // namespace mdq::tools
