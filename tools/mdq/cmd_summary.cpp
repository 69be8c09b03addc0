// `mdq summary --model NAME [--classes N] [--input HxW] [--channels C] [--affine-bn]
// [--widths JSON]`: builds a model of the zoo (thinned by --widths, the model_widths of a
// `mdq export --thin`), runs one forward pass on zeros (batch 1, eval mode) and prints every layer
// with its output shape, parameters and multiply-accumulates; the last line is
// `parameters: N`.
#include <cstdio>
#include <string>

#include "layers/summary.h"
#include "models/registry.h"
#include "tools/mdq/commands.h"
#include "tools/mdq/format.h"

namespace mdq::tools {

namespace {

struct SummaryArgs {
    std::string model, input, widths;
    int64_t classes = 0, channels = 0;
    bool affine_bn = false;
};

void print_summary(const SummaryArgs& a) {
    ModelOptions o;
    o.num_classes = a.classes;
    o.in_channels = a.channels;
    if (a.affine_bn) o.affine_bn = true;
    if (!a.input.empty()) parse_size(a.input, o.input_h, o.input_w);
    o.widths = parse_widths(a.widths);
    const ModelOptions r = resolve_options(a.model, o);
    ModulePtr m = build_model(a.model, o);
    m->eval();
    const auto rows = trace_layers(*m, Tensor::zeros({1, r.input_h, r.input_w, r.in_channels}));
    std::printf("%s: input %ldx%ldx%ld (NHWC, batch 1), %ld classes, %s batch norm\n\n",
                a.model.c_str(), static_cast<long>(r.input_h), static_cast<long>(r.input_w),
                static_cast<long>(r.in_channels), static_cast<long>(r.num_classes),
                *r.affine_bn ? "affine" : "non-affine");
    std::printf("%-28s %-44s %-20s %12s %15s\n", "layer", "type", "output", "params", "MACs");
    int64_t macs = 0;
    for (const LayerRecord& row : rows) {
        std::printf("%-28s %-44s %-20s %12s %15s\n", row.name.c_str(), row.type.c_str(),
                    shape_str(row.output).c_str(), with_commas(row.params).c_str(),
                    with_commas(row.macs).c_str());
        macs += row.macs;
    }
    std::printf("\nMACs: %s per image\n", with_commas(macs).c_str());
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
    cmd->add_option("--model", args->model, "Model: " + names)->required();
    cmd->add_option("--classes", args->classes, "Number of classes (default: the model's)");
    cmd->add_option("--input", args->input, "Input size HxW or H (default: the model's)");
    cmd->add_option("--channels", args->channels, "Input channels (default: the model's)");
    cmd->add_flag("--affine-bn", args->affine_bn, "Affine batch norm in the CIFAR models");
    cmd->add_option("--widths", args->widths,
                    "A thinned model: {\"batch norm\": channels} (model.json's model_widths)");
    cmd->callback([args] { print_summary(*args); });
}

}  // namespace mdq::tools
