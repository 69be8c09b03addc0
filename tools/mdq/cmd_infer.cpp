// `mdq infer --export DIR`: test accuracy of an export run on the bit kernels (BitModel, docs/
// INFERENCE.md) beside mdq's float forward of the same hard weights (what `mdq eval` reports
// as "hard-quantized weights" when bn_reestimate is 0); `mdq bench infer --export DIR --batch B`:
// images/s of both on the CPU.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "core/autograd.h"
#include "kernels/fill/fill.h"
#include "optim/train/bit_model.h"
#include "optim/train/evaluate.h"
#include "optim/train/model_export.h"
#include "optim/train/train_config.h"
#include "tools/mdq/commands.h"
#include "tools/mdq/device_timer.h"

namespace mdq::tools {

namespace {

struct InferArgs {
    std::string export_dir, data, split = "test", isa = "auto";
    std::vector<std::string> sets;
    int64_t batch = 64;
    int warmup = 2, iters = 10;
};

// A BitModel as a Module, so evaluate() scores it exactly as it scores the float model.
class BitModule : public Module {
  public:
    explicit BitModule(BitModel& m) : m_(m) {}
    Tensor forward(const Tensor& x) override { return m_.forward(x); }
    std::string type_name() const override { return "BitModel"; }

  private:
    BitModel& m_;
};

struct Loaded {
    ExportedModel e;
    std::unique_ptr<Experiment> ex;
    std::unique_ptr<BitModel> bits;
};

// The export's model with its weights on the CPU: the configuration it was trained with
// (model.json "config"; older exports: the fields beside it), then --data and --set; with
// `data` the dataset's loaders too (as mdq eval builds them), else only the model.
Loaded load(const InferArgs& a, bool data) {
    Loaded l;
    l.e = read_export(a.export_dir);
    Config cfg = make_train_config();
    const nlohmann::json& m = l.e.meta;
    if (m.contains("config")) {
        cfg.merge(m.at("config"), "'" + a.export_dir + "/model.json' config");
    } else {
        nlohmann::json fields = nlohmann::json::object();
        for (const char* k : {"model", "dataset", "method", "levels", "affine_bn"})
            if (m.contains(k)) fields[k] = m.at(k);
        cfg.merge(fields, "'" + a.export_dir + "/model.json'");
    }
    cfg.set("device=cpu");
    if (!a.data.empty()) cfg.set("data_dir=" + a.data);
    for (const std::string& s : a.sets)
        cfg.set(s);
    if (data)
        l.ex = std::make_unique<Experiment>(cfg);
    else
        l.ex = std::make_unique<Experiment>(cfg, Experiment::model_options_from_json(m.value(
                                                     "model_options", nlohmann::json::object())));
    load_export(l.e, *l.ex);
    l.ex->model->eval();
    const BitIsa isa = a.isa == "auto" ? BitIsa::Auto : bit_isa_from_name(a.isa);
    l.bits = std::make_unique<BitModel>(*l.ex->model, l.e.packed, l.e.scales, isa);
    return l;
}

void print_plan(const Loaded& l, const InferArgs& a) {
    std::printf("%s: %s on the bit kernels (%s), %lld of its layers on bits\n",
                a.export_dir.c_str(), l.e.meta.value("model", "?").c_str(),
                a.isa == "auto" ? bit_isa_name(selected_bit_isa()) : a.isa.c_str(),
                static_cast<long long>(l.bits->bit_layers()));
    for (const std::string& line : l.bits->plan())
        std::printf("  %s\n", line.c_str());
    int64_t weights = 0;
    for (const auto& [name, p] : l.e.packed)
        weights += p.numel();
    std::printf("bit-layer weights: %lld bytes as bit planes, %lld bytes as f32 (%lld weights)\n",
                static_cast<long long>(l.bits->weight_bytes()), static_cast<long long>(4 * weights),
                static_cast<long long>(weights));
}

void run_infer(const InferArgs& a) {
    MDQ_CHECK(a.split == "test" || a.split == "val", "--split must be test or val, got '", a.split,
              "'");
    Loaded l = load(a, true);
    print_plan(l, a);
    data::Loader* loader = a.split == "test" ? l.ex->test_loader.get() : l.ex->val_loader.get();
    MDQ_CHECK(loader != nullptr, "mdq infer: the export's dataset has no ", a.split, " split");
    const int64_t max_batches = l.ex->cfg.get_int("eval_batches");
    BitModule bit(*l.bits);
    const EvalResult b = evaluate(bit, *loader, 0, max_batches);
    const EvalResult f = evaluate(*l.ex->model, *loader, 0, max_batches);
    std::printf(
        "%s accuracy: bit kernels %.2f%% (loss %.4f), mdq float path %.2f%% (loss %.4f), %lld "
        "images\n",
        a.split.c_str(), 100 * b.acc, b.loss, 100 * f.acc, f.loss, static_cast<long long>(b.count));
}

void run_bench_infer(const InferArgs& a) {
    MDQ_CHECK(a.batch >= 1 && a.iters >= 1 && a.warmup >= 0,
              "bench infer: needs --batch >= 1, --iters >= 1 and --warmup >= 0");
    Loaded l = load(a, false);
    print_plan(l, a);
    const ModelOptions& o = l.ex->model_options;
    const Tensor x =
        uniform({a.batch, o.input_h, o.input_w, o.in_channels}, -1, 1, DType::F32, Device::cpu());
    NoGradGuard no_grad;
    const auto rate = [&](auto&& fn) {
        for (int i = 0; i < a.warmup; ++i)
            fn();
        const double ms = median_of(time_each_ms(Device::cpu(), a.iters, fn));
        return std::pair<double, double>(ms, 1000.0 * static_cast<double>(a.batch) / ms);
    };
    const auto [bit_ms, bit_rate] = rate([&] { l.bits->forward(x); });
    const auto [float_ms, float_rate] = rate([&] { (*l.ex->model)(x); });
    std::printf("%-14s %8s %12s %12s\n", "path", "batch", "ms/batch", "images/s");
    std::printf("%-14s %8lld %12.2f %12.0f\n", "bit kernels", static_cast<long long>(a.batch),
                bit_ms, bit_rate);
    std::printf("%-14s %8lld %12.2f %12.0f\n", "mdq float", static_cast<long long>(a.batch),
                float_ms, float_rate);
    std::printf("speed-up: %.2fx\n", bit_rate / float_rate);
}

void add_common(CLI::App* cmd, InferArgs& a) {
    cmd->add_option("--export", a.export_dir, "Export folder (mdq export)")->required();
    cmd->add_option("--isa", a.isa,
                    "CPU variant of the bit kernels: auto (default; MDQ_CPU_ISA), scalar, "
                    "popcnt, avx2, avx512");
    cmd->add_option("--set", a.sets, "key=value overrides of the export's configuration")
        ->take_all();
}

}  // namespace

void add_infer_command(CLI::App& app) {
    auto args = std::make_shared<InferArgs>();
    auto* cmd = app.add_subcommand("infer", "Accuracy of an export on the bit kernels");
    add_common(cmd, *args);
    cmd->add_option("--data", args->data, "Dataset folder (default: the export's data_dir)");
    cmd->add_option("--split", args->split, "test (default) or val");
    cmd->callback([args] { run_infer(*args); });

    auto bargs = std::make_shared<InferArgs>();
    auto* bench = bench_group(app).add_subcommand(
        "infer", "Images/s of an export on the bit kernels and on mdq's float path (CPU)");
    add_common(bench, *bargs);
    bench->add_option("--batch", bargs->batch, "Images per batch (default 64)");
    bench->add_option("--warmup", bargs->warmup, "Untimed batches first (default 2)");
    bench->add_option("--iters", bargs->iters,
                      "Timed batches; the median is reported (default 10)");
    bench->callback([bargs] { run_bench_infer(*bargs); });
}

}  // namespace mdq::tools
