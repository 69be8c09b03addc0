// Activation and gradient quantization of a run: the configuration keys and their errors, the
// placement on the zoo's models, the first/last-layer policy, and the quantizers' own
// parameter group (their optimizer steps only their ends, the weights' never touches them).
#include "optim/train/act_quant_setup.h"

#include "kernels/ops.h"
#include "layers/param_arena.h"
#include "layers/quantizable.h"
#include "models/registry.h"
#include "optim/quant_optimizer.h"
#include "optim/train/experiment.h"
#include "optim/train/train_config.h"
#include "optim/train/trainer.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

Config with(const std::vector<std::string>& sets) {
    std::vector<std::string> all = {"device=cpu"};
    all.insert(all.end(), sets.begin(), sets.end());
    return make_train_config_from("", all);
}

IoQuantSettings settings(const std::vector<std::string>& sets) {
    return io_quant_settings_from(with(sets));
}

struct Placed {
    int act = 0, grad = 0;
    std::vector<std::string> act_layers;
};

Placed placed(Module& m) {
    Placed p;
    for (auto& [name, mod] : m.named_modules()) {
        auto* q = dynamic_cast<QuantizableLayer*>(mod);
        if (!q) continue;
        if (q->input_quantizer()) {
            ++p.act;
            p.act_layers.push_back(name);
        }
        if (q->output_quantizer()) ++p.grad;
    }
    return p;
}

TEST(ActQuantSetup, BadValuesAreClearErrors) {
    EXPECT_TRUE(throws_with(
        [] {
            settings({"act_bits=0", "act_quantizer=dorefa"});
        },
        {"act_bits", "1..16", "got 0"}));
    EXPECT_TRUE(throws_with([] { settings({"grad_bits=40"}); }, {"grad_bits", "got 40"}));
    EXPECT_TRUE(throws_with([] { settings({"act_bits=2"}); },
                            {"act_quantizer is none", "dorefa, uniform or ewgs"}));
    EXPECT_TRUE(throws_with([] { settings({"act_quantizer=ewgs"}); }, {"nothing to quantize"}));
    EXPECT_TRUE(throws_with(
        [] {
            settings({"act_bits=2", "act_quantizer=pact"});
        },
        {"act_quantizer", "'pact'"}));
    EXPECT_TRUE(throws_with(
        [] {
            settings({"act_bits=2", "act_quantizer=ewgs", "ewgs_delta=-1"});
        },
        {"ewgs_delta", "'-1'"}));
    EXPECT_TRUE(throws_with(
        [] {
            settings({"act_bits=2", "act_quantizer=ewgs", "ewgs_delta=1x"});
        },
        {"ewgs_delta", "'1x'"}));
    EXPECT_TRUE(throws_with(
        [] {
            settings({"act_bits=2", "act_quantizer=dorefa", "ewgs_delta=0.01"});
        },
        {"ewgs_delta", "EWGS quantizers", "act_quantizer=dorefa"}));
    EXPECT_TRUE(throws_with(
        [] {
            settings({"act_bits=2", "act_quantizer=ewgs", "act_calibration=max"});
        },
        {"act_calibration", "'max'"}));
    EXPECT_TRUE(throws_with([] { settings({"first_last=fp32"}); }, {"first_last", "'fp32'"}));
    EXPECT_TRUE(throws_with([] { settings({"layer_act_bits={\"fc2\": 0}"}); },
                            {"layer_act_bits 'fc2'", "got 0"}));
    EXPECT_TRUE(throws_with([] { settings({"layer_grad_bits={\"fc2\": \"8\"}"}); },
                            {"layer_grad_bits", "whole number"}));
    const IoQuantSettings s = settings({"act_bits=2", "act_quantizer=ewgs", "ewgs_delta=1e-3"});
    EXPECT_EQ(s.act_bits, 2);
    EXPECT_EQ(s.act_kind, ActQuantKind::Ewgs);
    EXPECT_DOUBLE_EQ(s.ewgs_delta, 1e-3);
    // The default: the least-error clip (docs/QUANTIZATION.md section 12, measured at 1, 2, 4
    // bits against the authors' rule).
    EXPECT_EQ(s.act_calibration, ActCalibration::Mse);
    EXPECT_EQ(layer_io_bits(s, "conv2", 1, 3).calibration, ActCalibration::Mse);
    const IoQuantSettings authors =
        settings({"act_bits=1", "act_quantizer=uniform", "act_calibration=authors"});
    EXPECT_EQ(layer_io_bits(authors, "conv2", 1, 3).calibration, ActCalibration::Authors);
    // dorefa's clip is fixed: the key does not apply, and a saved configuration that lists it
    // still loads.
    EXPECT_NO_THROW(settings({"act_bits=2", "act_quantizer=dorefa", "act_calibration=authors"}));
    // From the Hessian: the activations start at delta 0, the trainer sets it every epoch.
    EXPECT_EQ(settings({"act_bits=2", "act_quantizer=ewgs", "ewgs_delta=hessian"}).ewgs_delta, 0.0);
}

TEST(ActQuantSetup, TheFirstInputIsNeverQuantizedAndThePolicyRulesTheEdges) {
    const IoQuantSettings same = settings({"act_bits=2", "act_quantizer=dorefa", "grad_bits=6"});
    EXPECT_EQ(layer_io_bits(same, "conv1", 0, 4).act_bits, 0);
    EXPECT_EQ(layer_io_bits(same, "conv1", 0, 4).grad_bits, 6);
    EXPECT_EQ(layer_io_bits(same, "fc2", 3, 4).act_bits, 2);
    const IoQuantSettings keep =
        settings({"act_bits=2", "act_quantizer=dorefa", "grad_bits=6", "first_last=keep-float"});
    EXPECT_EQ(layer_io_bits(keep, "conv1", 0, 4).grad_bits, 0);
    EXPECT_EQ(layer_io_bits(keep, "fc2", 3, 4).act_bits, 0);
    EXPECT_EQ(layer_io_bits(keep, "fc1", 2, 4).act_bits, 2);
    const IoQuantSettings eight =
        settings({"act_bits=2", "act_quantizer=uniform", "first_last=8bit"});
    EXPECT_EQ(layer_io_bits(eight, "fc2", 3, 4).act_bits, 8);
    EXPECT_EQ(layer_io_bits(eight, "fc2", 3, 4).grad_bits, 0);  // float stays float
    EXPECT_EQ(layer_io_bits(eight, "fc2", 3, 4).act_kind, ActQuantKind::Uniform);
    // Per-layer overrides win over the policy, except on the image.
    const IoQuantSettings over =
        settings({"act_bits=2", "act_quantizer=dorefa", "first_last=keep-float",
                  "layer_act_bits={\"fc*\": 4, \"conv*\": 3}"});
    EXPECT_EQ(layer_io_bits(over, "fc2", 3, 4).act_bits, 4);
    EXPECT_EQ(layer_io_bits(over, "conv2", 1, 4).act_bits, 3);
    EXPECT_EQ(layer_io_bits(over, "conv1", 0, 4).act_bits, 0);
}

TEST(ActQuantSetup, PlacementCoversTheZoosReluModels) {
    const IoQuantSettings s = settings({"act_bits=2", "act_quantizer=dorefa", "grad_bits=8"});
    for (const std::string name : {"small-cnn", "lenet5", "resnet18-cifar"}) {
        ModulePtr m = build_model(name);
        const int layers = static_cast<int>(gemm_layer_names(*m).size());
        EXPECT_EQ(place_io_quantizers(*m, name, s), layers) << name;
        const Placed p = placed(*m);
        EXPECT_EQ(p.act, layers - 1) << name;  // all but the first
        EXPECT_EQ(p.grad, layers) << name;
        EXPECT_EQ(p.act_layers.front(), gemm_layer_names(*m)[1]) << name;
    }
    ModulePtr m = build_model("small-cnn");
    EXPECT_EQ(place_io_quantizers(*m, "small-cnn", settings({})), 0);
    EXPECT_EQ(placed(*m).act + placed(*m).grad, 0);
    EXPECT_TRUE(throws_with(
        [] {
            ModulePtr mb = build_model("mobilenetv2-cifar");
            place_io_quantizers(*mb, "mobilenetv2-cifar",
                                settings({"act_bits=4", "act_quantizer=dorefa"}));
        },
        {"mobilenetv2-cifar", "not all ReLU outputs", "small-cnn"}));
    // Gradient quantization alone is fine there.
    ModulePtr mb = build_model("mobilenetv2-cifar");
    EXPECT_GT(place_io_quantizers(*mb, "mobilenetv2-cifar", settings({"grad_bits=8"})), 0);
    EXPECT_TRUE(throws_with(
        [] {
            ModulePtr ms = build_model("small-cnn");
            place_io_quantizers(*ms, "small-cnn",
                                settings({"act_bits=2", "act_quantizer=dorefa",
                                          "layer_act_bits={\"layer4.*\": 4}"}));
        },
        {"layer_act_bits", "'layer4.*' matches no conv/linear layer", "conv1, conv2, fc1, fc2"}));
}

TEST(ActQuantSetup, FirstLastRulesForTheWeights) {
    ModulePtr m = build_model("small-cnn");
    QuantConfig q;
    q.spec.method = Method::MdTanhS;
    q.spec.levels = 2;
    const QuantConfig keep = weight_group(q, *m, FirstLast::KeepFloat);
    std::map<std::string, QuantSpec> spec;
    for (auto& [name, p] : m->named_parameters())
        spec[name] = keep.resolve(name, *p);
    EXPECT_FALSE(spec["conv1.weight"].quantized());
    EXPECT_FALSE(spec["fc2.bias"].quantized());
    EXPECT_TRUE(spec["conv2.weight"].quantized());
    const QuantConfig eight = weight_group(q, *m, FirstLast::Bits8);
    EXPECT_EQ(eight.resolve("fc2.weight", *m->named_parameters().back().second).levels, 256);
    q.spec.method = Method::Bc;
    EXPECT_TRUE(throws_with([&] { weight_group(q, *m, FirstLast::Bits8); },
                            {"first_last=8bit", "keep-float"}));
    EXPECT_TRUE(weight_group(q, *m, FirstLast::Same).rules.empty());
}

TEST(ActQuantSetup, QuantizerEndsAreTheirOwnParameterGroup) {
    ModulePtr m = build_model("small-cnn");
    place_io_quantizers(*m, "small-cnn", settings({"act_bits=2", "act_quantizer=ewgs"}));
    EXPECT_EQ(quantizer_parameters(*m), 6);  // l and u of conv2, fc1, fc2
    ParamArena arena(*m);
    QuantConfig q;
    q.spec.method = Method::MdTanhS;
    const QuantConfig weights = weight_group(q, *m, FirstLast::Same);
    OptimConfig o;
    o.base = BaseOptimizer::Sgd;
    o.lr = LrSchedule::constant(0.1);
    QuantOptimizer wopt(arena, weights, o);
    const Config cfg = with({"quantizer_optimizer=adam", "quantizer_lr=1e-5"});
    QuantOptimizer qopt(arena, quantizer_group(weights), quantizer_optim_config(cfg, o));
    EXPECT_EQ(wopt.find_param("conv2.act_quant.upper"), nullptr);
    EXPECT_NE(wopt.find_param("conv2.weight"), nullptr);
    ASSERT_EQ(qopt.params().size(), 6u);
    for (const auto& p : qopt.params())
        EXPECT_TRUE(p.name.find(".act_quant.") != std::string::npos) << p.name;
    EXPECT_EQ(qopt.config().base, BaseOptimizer::Adam);
    EXPECT_FLOAT_EQ(qopt.lr(), 1e-5);  // the device keeps f32
    // One step of each: Adam's first step moves every end by lr (sign of its gradient).
    const Tensor before = arena.values().clone();
    arena.grads().fill_(1.0f);
    wopt.step();
    qopt.step();
    const Tensor after = arena.values();
    for (const auto& p : qopt.params()) {
        const double moved = before.slice(0, p.value_offset, p.value_offset + 1).item<double>() -
                             after.slice(0, p.value_offset, p.value_offset + 1).item<double>();
        EXPECT_NEAR(moved, 1e-5, 1.2e-7) << p.name;  // an f32 ulp at u = 1
    }
    const auto& w = wopt.param("fc1.weight");  // moved by the weights' SGD, not twice
    EXPECT_NE(before.slice(0, w.value_offset, w.value_offset + 1).item<double>(),
              after.slice(0, w.value_offset, w.value_offset + 1).item<double>());
    EXPECT_TRUE(throws_with([&] { quantizer_optim_config(with({"quantizer_lr=0"}), o); },
                            {"quantizer_lr", "> 0"}));
}

TEST(ActQuantSetup, ExperimentCalibratesTheEndsAndSummarisesTheBits) {
    // The synthetic-data experiment (no dataset needed) builds, places and calibrates.
    const Config cfg = with({"model=small-cnn", "act_bits=2", "act_quantizer=uniform",
                             "grad_bits=8", "method=dorefa", "levels=2", "batch_size=16"});
    Experiment ex(cfg, Experiment::Synthetic{});
    ASSERT_TRUE(ex.qopt);
    const auto quantizers = act_quantizers(*ex.model);
    ASSERT_EQ(quantizers.size(), 3u);
    for (const auto& [name, a] : quantizers)
        EXPECT_NE(a->upper().item<double>(), 1.0) << name;  // calibrated, not the initial 1
    EXPECT_EQ(ex.qopt->config().base, BaseOptimizer::Adam);
}

}  // namespace
}  // namespace mdq
