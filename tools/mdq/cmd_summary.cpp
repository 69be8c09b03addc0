// `mdq summary --model NAME [--classes N] [--input HxW] [--channels C] [--affine-bn]
// [--widths JSON]`: builds a model of the zoo (thinned by --widths, the model_widths of a
// `mdq export --thin`), runs one forward pass on zeros (batch 1, eval mode) and prints every layer
// with its output shape, parameters and multiply-accumulates; the last line is
// `parameters: N`. With `--config FILE` and/or `--set key=value` (the `mdq train` keys) the model
// is built as that run builds it, with its activation and gradient quantizers, and every
// conv/linear row also shows the bits of its weights, input activations and output gradients
// (W, A, G; 32 is float).
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "kernels/quant/pack.h"
#include "layers/activation_quant.h"
#include "layers/quantizable.h"
#include "layers/summary.h"
#include "models/registry.h"
#include "optim/train/experiment.h"
#include "optim/train/trainer.h"
#include "tools/mdq/commands.h"
#include "tools/mdq/format.h"

namespace mdq::tools {

namespace {

struct SummaryArgs {
    std::string model, input, config, widths;
    std::vector<std::string> sets;
    int64_t classes = 0, channels = 0;
    bool affine_bn = false;
};

// "W1 A2 G32" of a conv/linear layer of a run; "" for the other rows.
std::string io_bits(const Experiment& ex, Module* m, const std::string& name) {
    auto* layer = dynamic_cast<QuantizableLayer*>(m);
    if (!layer) return "";
    const QuantOptimizer::Param* w = ex.opt->find_param(name + ".weight");
    const int wb = w && w->spec.quantized() ? bits_for_levels(w->spec.levels) : 32;
    auto* a = dynamic_cast<const QuantizesActivations*>(layer->input_quantizer());
    auto* g = dynamic_cast<const QuantizesActivations*>(layer->output_quantizer());
    return detail::cat("W", wb, " A", a ? a->activation_quant().bits : 32, " G",
                       g ? g->activation_quant().grad_bits : 32);
}

void print_summary(const SummaryArgs& a) {
    const bool run = !a.config.empty() || !a.sets.empty();
    std::unique_ptr<Experiment> ex;
    Config cfg = make_train_config_from(a.config, a.sets);
    if (!a.model.empty()) cfg.set("model=" + a.model);
    MDQ_CHECK(run || !a.model.empty(), "mdq summary: give --model, or --config / --set model=...");
    const std::string model = cfg.get_string("model");
    ModelOptions o;
    o.num_classes = a.classes;
    o.in_channels = a.channels;
    if (a.affine_bn) o.affine_bn = true;
    if (!a.input.empty()) parse_size(a.input, o.input_h, o.input_w);
    o.widths = parse_widths(a.widths);
    if (!a.widths.empty()) cfg.set("model_widths=" + a.widths);
    const ModelOptions r = resolve_options(model, o);
    ModulePtr m;
    if (run) {
        cfg.set("device=cpu");
        ex = std::make_unique<Experiment>(cfg, r);
        m = ex->model;
    } else {
        m = build_model(model, o);
    }
    m->eval();
    const auto rows = trace_layers(*m, Tensor::zeros({1, r.input_h, r.input_w, r.in_channels}));
    std::map<std::string, Module*> modules;
    for (auto& [name, mod] : m->named_modules())
        modules[name] = mod;
    std::printf("%s: input %ldx%ldx%ld (NHWC, batch 1), %ld classes, %s batch norm\n\n",
                model.c_str(), static_cast<long>(r.input_h), static_cast<long>(r.input_w),
                static_cast<long>(r.in_channels), static_cast<long>(r.num_classes),
                *r.affine_bn ? "affine" : "non-affine");
    std::printf("%-28s %-44s %-20s %12s %15s%s\n", "layer", "type", "output", "params", "MACs",
                run ? "  bits" : "");
    int64_t macs = 0;
    for (const LayerRecord& row : rows) {
        const std::string bits = run ? "  " + io_bits(*ex, modules[row.name], row.name) : "";
        std::printf("%-28s %-44s %-20s %12s %15s%s\n", row.name.c_str(), row.type.c_str(),
                    shape_str(row.output).c_str(), with_commas(row.params).c_str(),
                    with_commas(row.macs).c_str(), bits.c_str());
        macs += row.macs;
    }
    std::printf("\nMACs: %s per image\n", with_commas(macs).c_str());
    if (run)
        std::printf(
            "bits: W weights, A input activations, G output gradients (32: float); "
            "method %s, act_quantizer %s, first_last %s\n",
            cfg.get_string("method").c_str(), cfg.get_string("act_quantizer").c_str(),
            cfg.get_string("first_last").c_str());
    std::printf("parameters: %ld\n", static_cast<long>(m->num_parameters()));
}

}  // namespace

void add_summary_command(CLI::App& app) {
    auto args = std::make_shared<SummaryArgs>();
    CLI::App* cmd =
        app.add_subcommand("summary", "Print a model's layers: output shapes, parameters and MACs");
    std::string names;
    for (const std::string& n : model_names())
        names += (names.empty() ? "" : ", ") + n;
    cmd->add_option("--model", args->model, "Model: " + names);
    cmd->add_option("--config", args->config,
                    "A recipe (mdq train's keys): also show each layer's W/A/G bits");
    cmd->add_option("--set", args->sets, "key=value over the recipe (repeatable), e.g. act_bits=2");
    cmd->add_option("--classes", args->classes, "Number of classes (default: the model's)");
    cmd->add_option("--input", args->input, "Input size HxW or H (default: the model's)");
    cmd->add_option("--channels", args->channels, "Input channels (default: the model's)");
    cmd->add_flag("--affine-bn", args->affine_bn, "Affine batch norm in the CIFAR models");
    cmd->add_option("--widths", args->widths,
                    "A thinned model: {\"batch norm\": channels} (model.json's model_widths)");
    cmd->callback([args] { print_summary(*args); });
}

}  // namespace mdq::tools
