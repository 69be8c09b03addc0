// `mdq bench md`: the fused MD optimizer step over ResNet-18-CIFAR's 22 real parameter
// tensors (11,164,362 parameters, docs/METHOD.md 3) and over one flat 64M-parameter tensor, for
// MD-tanh-S with Adam and with SGD-momentum, binary and ternary. Reports the median time of
// a step, the bytes a step must move, the achieved GB/s, the device-to-device copy bandwidth
// measured in the same run at the same traffic, and the same update done unfused (one launch
// per elementwise operation per tensor). Runs on the CPU too, with a smaller flat case.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/gpu.h"
#include "core/stream.h"
#include "kernels/copy/copy.h"
#include "kernels/fill/fill.h"
#include "mdq/config.h"
#include "optim/md_unfused.h"
#include "optim/quant_optimizer.h"
#include "tools/mdq/commands.h"
#include "tools/mdq/device_timer.h"

namespace mdq::tools {

namespace {

struct ParamShape {
    std::string name, layer_type;
    Shape shape;
    ParamRole role;
};

// ResNet-18 for CIFAR (docs/METHOD.md 3): OHWI convolutions without bias, a 512 -> 10 classifier.
std::vector<ParamShape> resnet18_cifar_shapes() {
    std::vector<ParamShape> s{{"conv1", "Conv2d", {64, 3, 3, 3}, ParamRole::Weight}};
    int64_t in = 64;
    const int64_t widths[4] = {64, 128, 256, 512};
    for (int stage = 0; stage < 4; ++stage) {
        const int64_t w = widths[stage];
        for (int block = 0; block < 2; ++block) {
            const std::string p = "layer" + std::to_string(stage + 1) + "_" + std::to_string(block);
            s.push_back({p + "_conv1", "Conv2d", {w, 3, 3, in}, ParamRole::Weight});
            s.push_back({p + "_conv2", "Conv2d", {w, 3, 3, w}, ParamRole::Weight});
            if (block == 0 && in != w)
                s.push_back({p + "_shortcut", "Conv2d", {w, 1, 1, in}, ParamRole::Weight});
            in = w;
        }
    }
    s.push_back({"linear_weight", "Linear", {10, 512}, ParamRole::Weight});
    s.push_back({"linear_bias", "Linear", {10}, ParamRole::Bias});
    return s;
}

// A module that only holds parameters of given shapes.
class ShapeModule : public Module {
  public:
    explicit ShapeModule(const std::vector<ParamShape>& shapes) {
        for (const ParamShape& p : shapes) {
            types_.push_back(p.layer_type);
            register_parameter(p.name, Tensor::zeros(p.shape), p.role).layer_type = p.layer_type;
        }
    }
    Tensor forward(const Tensor& x) override { return x; }
    std::string type_name() const override { return "ShapeModule"; }

  private:
    std::vector<std::string> types_;
};

struct Options {
    std::string device = "auto";
    int iters = 0, warmup = 5, unfused_iters = 0;
    int64_t flat = 0;
    bool resnet = true, bf16 = false, skip_without_gpu = false;
};

// Median milliseconds of `n` calls of f, each timed alone (CUDA events on the GPU).
template <class F>
double median_ms(Device dev, int n, F&& f) {
    return median_of(time_each_ms(dev, n, f));
}

// Device-to-device copy of bytes/2 (so `bytes` read + written): cudaMemcpyAsync on the GPU.
double copy_ms(Device dev, int64_t bytes, int warmup, int iters) {
    const int64_t n = bytes / 2 / 4;
    const Tensor src = Tensor::zeros({n}, DType::F32, dev),
                 dst = Tensor::empty({n}, DType::F32, dev);
    auto run = [&] {
#if MDQ_WITH_CUDA
        if (dev.is_cuda()) {
            cuda::transfer(dst.raw_data(), dev, src.raw_data(), dev, src.nbytes());
            return;
        }
#endif
        copy_tensor(dst, src);
    };
    for (int i = 0; i < warmup; ++i)
        run();
    return median_ms(dev, iters, run);
}

struct Row {
    std::string model, config;
    int64_t params = 0, bytes_per_param = 0;
    double fused_ms = 0, copy_ms = 0, unfused_ms = 0;
    int64_t unfused_launches = 0, fused_launches = 1;
};

Row bench_one(const std::string& model, const std::vector<ParamShape>& shapes, BaseOptimizer base,
              int levels, const Options& o, Device dev) {
    ShapeModule m(shapes);
    m.to(dev);
    ParamArena arena(m);
    if (o.bf16) arena.enable_compute_copy(DType::BF16);
    QuantConfig qc;
    qc.spec.method = Method::MdTanhS;
    qc.spec.levels = levels;
    OptimConfig oc;
    oc.base = base;
    oc.momentum = base == BaseOptimizer::Sgd ? 0.9 : 0.0;
    oc.beta.rho = 1.02;
    oc.beta.interval = 200;
    QuantOptimizer opt(arena, qc, oc);
    Generator g(1, 0);
    uniform_(arena.grads(), -1e-2, 1e-2, &g);
    Row r;
    r.model = model;
    r.config = std::string(base == BaseOptimizer::Adam ? "adam" : "sgd-mom") + " " +
               (levels == 2 ? "binary" : "ternary") + (o.bf16 ? " +bf16" : "");
    r.params = arena.num_parameters();
    // Adam: read g, u, m, v; write u, m, v, w. SGD-momentum: read g, u, b; write u, b, w.
    r.bytes_per_param = (base == BaseOptimizer::Adam ? 32 : 24) + (o.bf16 ? 2 : 0);
    for (int i = 0; i < o.warmup; ++i)
        opt.step();
    r.fused_ms = median_ms(dev, o.iters, [&] { opt.step(); });
    r.copy_ms = copy_ms(dev, r.params * r.bytes_per_param, o.warmup, o.iters);
    int64_t biggest = 0;
    for (const ParamShape& p : shapes)
        biggest = std::max(biggest, numel(p.shape));
    const Tensor scratch = Tensor::empty({2, biggest}, DType::F32, dev);
    const StepScalars sc = opt.host_control().cur;
    const UnfusedScalars us{sc.adam_step, sc.lr, sc.beta_next};
    for (int i = 0; i < std::min(o.warmup, 2); ++i)
        r.unfused_launches = md_tanh_s_step_unfused(opt, us, scratch);
    r.unfused_ms =
        median_ms(dev, o.unfused_iters, [&] { md_tanh_s_step_unfused(opt, us, scratch); });
    return r;
}

void print_rows(const std::vector<Row>& rows, Device dev) {
    std::printf(
        "\nmdq bench md on %s (MD-tanh-S; bytes = what a step must move; copy = "
        "device-to-device copy of the same bytes, same run)\n",
        dev.is_cuda() ? gpu::device_info(dev.index).name.c_str() : "cpu");
    std::printf("%-10s %-20s %11s %6s %10s %9s %9s %7s %11s %9s %8s\n", "model", "config", "params",
                "B/par", "fused ms", "GB/s", "copy GB/s", "% copy", "unfused ms", "launches",
                "speedup");
    for (const Row& r : rows) {
        const double bytes = static_cast<double>(r.params) * r.bytes_per_param;
        const double gbs = bytes / (r.fused_ms * 1e6), copy = bytes / (r.copy_ms * 1e6);
        std::printf("%-10s %-20s %11lld %6lld %10.4f %9.1f %9.1f %6.1f%% %11.4f %9lld %7.2fx\n",
                    r.model.c_str(), r.config.c_str(), static_cast<long long>(r.params),
                    static_cast<long long>(r.bytes_per_param), r.fused_ms, gbs, copy,
                    100.0 * gbs / copy, r.unfused_ms, static_cast<long long>(r.unfused_launches),
                    r.unfused_ms / r.fused_ms);
    }
}

void run_bench(const Options& in) {
    Options o = in;
    skip_without_gpu("bench md", o.device, o.skip_without_gpu);
    const Device dev = Device::parse(o.device);
    if (o.iters <= 0) o.iters = dev.is_cuda() ? 50 : 5;
    if (o.unfused_iters <= 0) o.unfused_iters = dev.is_cuda() ? 20 : 3;
    if (o.flat <= 0) o.flat = dev.is_cuda() ? (int64_t{64} << 20) : (int64_t{4} << 20);
    MDQ_CHECK(o.warmup >= 0, "bench md: --warmup must be >= 0");
    std::vector<std::pair<std::string, std::vector<ParamShape>>> models;
    if (o.resnet) models.emplace_back("resnet18", resnet18_cifar_shapes());
    models.emplace_back("flat",
                        std::vector<ParamShape>{{"weight", "Linear", {o.flat}, ParamRole::Weight}});
    std::vector<Row> rows;
    for (const auto& [name, shapes] : models)
        for (BaseOptimizer base : {BaseOptimizer::Adam, BaseOptimizer::Sgd})
            for (int levels : {2, 3}) {
                rows.push_back(bench_one(name, shapes, base, levels, o, dev));
                std::fprintf(stderr, "  %s %s done\n", name.c_str(), rows.back().config.c_str());
            }
    print_rows(rows, dev);
}

}  // namespace

void add_bench_md_command(CLI::App& app) {
    auto opts = std::make_shared<Options>();
    CLI::App* cmd = bench_group(app).add_subcommand(
        "md",
        "Time the fused mirror-descent optimizer step against copy bandwidth and the "
        "unfused chain (docs/BENCHMARKS.md)");
    cmd->add_option("--device", opts->device, "cpu, cuda, cuda:N or auto")->capture_default_str();
    cmd->add_option("--iters", opts->iters, "timed steps (median); default 50 GPU, 5 CPU");
    cmd->add_option("--warmup", opts->warmup, "untimed steps first")->capture_default_str();
    cmd->add_option("--unfused-iters", opts->unfused_iters,
                    "timed unfused steps; default 20 GPU, 3 CPU");
    cmd->add_option("--flat", opts->flat, "parameters of the flat case; default 64Mi GPU, 4Mi CPU");
    cmd->add_flag("!--no-resnet", opts->resnet, "skip the ResNet-18 parameter list");
    cmd->add_flag("--bf16", opts->bf16, "also write the bf16 compute copy of w");
    add_skip_without_gpu_flag(*cmd, opts->skip_without_gpu);
    cmd->callback([opts] { run_bench(*opts); });
}

}  // namespace mdq::tools
