// The quantization card (optim/train/quant_card.h, docs/CARD.md): size, MACs, BOPs and the
// weighted bit-widths against hand counts on a small model, and every field filled on the card
// of every training method.
#include "optim/train/quant_card.h"

#include <functional>

#include "layers/activation.h"
#include "layers/conv2d.h"
#include "layers/linear.h"
#include "layers/pooling.h"
#include "layers/sequential.h"
#include "optim/quant_method.h"
#include "optim/train/card_schemes.h"
#include "tests/optim/train/train_step_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using nlohmann::json;

TensorQuant affine(int bits, const std::string& by) {
    TensorQuant q;
    q.bits = bits;
    q.levels = 1 << bits;
    q.scheme = "affine";
    q.granularity = "tensor";
    q.scale = "minmax";
    q.rounding = "nearest";
    q.observer = "minmax";
    q.by = by;
    return q;
}

// Weights at 4 bits, biases float, GEMM inputs at 8 bits except the first (the image).
class W4A8Scheme final : public QuantScheme {
  public:
    TensorQuant parameter(const std::string& name) const override {
        return name.size() > 7 && name.substr(name.size() - 7) == ".weight" ? affine(4, "test")
                                                                            : TensorQuant{};
    }
    TensorQuant gemm_input(const std::string&, bool first) const override {
        return first ? TensorQuant{} : affine(8, "test");
    }
    TensorQuant gradient(const std::string&) const override { return {}; }
    TensorQuant pooling_output(const std::string&) const override { return {}; }
    TensorQuant residual_output() const override { return {}; }
    json summary() const override { return {{"observer", "minmax"}, {"scale_bits", 64}}; }
};

TEST(QuantCard, NumbersMatchHandCounts) {
    // 4x4x1 -> conv 3x3 pad 1 (2 channels, bias) -> ReLU -> maxpool 2 -> 2x2x2 -> Linear(8, 3).
    Conv2dOptions co(1, 2, 3);
    co.padding = 1;
    Sequential model;
    model.add(std::make_shared<Conv2d>(co), "conv")
        .add(std::make_shared<ReLU>(), "relu")
        .add(std::make_shared<MaxPool2d>(2), "pool")
        .add(std::make_shared<Flatten>(), "flat")
        .add(std::make_shared<Linear>(8, 3), "fc");
    CardInput in;
    in.command = "test";
    in.model_name = "tiny";
    in.input_h = in.input_w = 4;
    in.in_channels = 1;
    in.num_classes = 3;
    const json card = build_card(model, W4A8Scheme{}, in);
    const json& m = card["model"];
    const int64_t conv_macs = 4 * 4 * 2 * 9, fc_macs = 8 * 3;  // 288, 24
    EXPECT_EQ(m["parameters"], 18 + 2 + 24 + 3);
    EXPECT_EQ(m["quantized_parameters"], 18 + 24);
    const int64_t weight_bits = (18 + 24) * 4 + (2 + 3) * 32;  // 328
    EXPECT_EQ(m["weight_bits"], weight_bits);
    EXPECT_EQ(m["size_bits"], weight_bits + 64);
    EXPECT_DOUBLE_EQ(m["compression"].get<double>(), 32.0 * 47 / (weight_bits + 64));
    EXPECT_EQ(m["macs"], conv_macs + fc_macs);
    EXPECT_EQ(m["gemm_macs"], conv_macs + fc_macs);
    EXPECT_DOUBLE_EQ(m["bops"].get<double>(), conv_macs * 4.0 * 32 + fc_macs * 4.0 * 8);
    EXPECT_DOUBLE_EQ(m["avg_w_bits_by_params"].get<double>(), weight_bits / 47.0);
    EXPECT_DOUBLE_EQ(m["avg_w_bits_by_macs"].get<double>(), 4.0);
    EXPECT_DOUBLE_EQ(m["avg_a_bits_by_macs"].get<double>(),
                     (conv_macs * 32.0 + fc_macs * 8.0) / (conv_macs + fc_macs));
    EXPECT_DOUBLE_EQ(m["avg_a_bits_by_elements"].get<double>(), (16 * 32.0 + 8 * 8.0) / 24);
    EXPECT_EQ(m["max_a_bits"], 32);
    EXPECT_EQ(m["max_activation_buffer_bits"], 16 * 32);
    EXPECT_EQ(m["max_activation_buffer_layer"], "conv");
    // Per layer, and the first/last rule read back from the bits.
    ASSERT_EQ(card["layers"].size(), 5u);
    const json& fc = card["layers"][4];
    EXPECT_EQ(fc["kind"], "gemm");
    EXPECT_EQ(fc["macs"], fc_macs);
    EXPECT_DOUBLE_EQ(fc["bops"].get<double>(), fc_macs * 4.0 * 8);
    EXPECT_EQ(fc["input"]["bits"], 8);
    EXPECT_EQ(card["layers"][2]["kind"], "pool");
    // "The rest" is the bits of most MACs: here the conv's W4A32, so the last layer stands out.
    EXPECT_EQ(card["quantization"]["first_layer"]["precision"], "quantized like the rest");
    EXPECT_EQ(card["quantization"]["last_layer"]["precision"], "W4A8");
    EXPECT_FALSE(card["quantization"].contains("scale_bits"));
}

// Every value of the card is present: no nulls (a layer without bias has bias null), no empty
// strings, objects and arrays non-empty where they describe something.
void expect_filled(const json& j, const std::string& path) {
    if (j.is_null()) {
        ADD_FAILURE() << path << " is null";
    } else if (j.is_string()) {
        EXPECT_FALSE(j.get<std::string>().empty()) << path;
    } else if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it)
            if (!(it.key() == "bias" && it->is_null()) && it.key() != "exempt" &&
                it.key() != "layer_levels" && it.key() != "train_transforms")
                expect_filled(*it, path + "." + it.key());
    } else if (j.is_array()) {
        EXPECT_FALSE(j.empty()) << path;
        for (size_t i = 0; i < j.size(); ++i)
            expect_filled(j[i], path + "[" + std::to_string(i) + "]");
    }
}

TEST(QuantCard, EveryFieldFilledForEveryMethod) {
    for (const std::string& method : method_names()) {
        SCOPED_TRACE(method);
        Experiment ex(train_step_test::synthetic_run("cpu", {"method=" + method, "levels=2"}),
                      Experiment::Synthetic{});
        const json card = training_card(ex, "train", {{"test_acc_hard", 0.5}});
        EXPECT_EQ(card["schema"], "mdq.quant_card");
        EXPECT_EQ(card["version"], kCardVersion);
        for (const char* key : {"run", "model", "quantization", "layers", "parameters", "training",
                                "data", "results"})
            ASSERT_TRUE(card.contains(key)) << key;
        expect_filled(card, "card");
        EXPECT_EQ(card["training"]["method"], method);
        for (const json& l : card["layers"]) {
            if (l["kind"] != "gemm") continue;
            for (const char* key : {"weight", "input", "gradient", "bops"})
                EXPECT_TRUE(l.contains(key)) << l["name"] << " " << key;
        }
        // Float keeps 32 bits per weight; every other method stores a weight in 1 bit.
        const double avg = card["model"]["avg_w_bits_by_macs"];
        EXPECT_EQ(avg, method == "float" ? 32.0 : 1.0);
    }
}

}  // namespace
}  // namespace mdq
