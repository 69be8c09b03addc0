#include "optim/train/quant_card.h"

#include <algorithm>
#include <ctime>
#include <map>

#include "core/autograd.h"
#include "layers/activation_quant.h"
#include "layers/quantizable.h"
#include "layers/summary.h"
#include "mdq/build_commit.h"
#include "mdq/config.h"

namespace mdq {

namespace {

using nlohmann::json;

std::string layer_kind(const std::string& type, bool gemm) {
    if (gemm) return "gemm";
    if (type.find("BatchNorm") != std::string::npos) return "norm";
    if (type.find("Pool") != std::string::npos) return "pool";
    if (type == "ReLU" || type == "ReLU6" || type == "Tanh" || type == "Sigmoid")
        return "activation";
    return "other";
}

TensorQuant from_layer(const ActivationQuantInfo& a, const std::string& layer) {
    TensorQuant q;
    q.bits = a.bits;
    q.levels = a.levels;
    q.scheme = a.levels > 0 ? "affine" : "float";
    q.granularity = a.granularity;
    q.symmetric = a.symmetric;
    q.scale = a.scale;
    q.rounding = a.rounding;
    q.observer = "learned or fixed by the layer";
    q.by = "layer " + layer + " (" + a.quantizer + ")";
    return q;
}

TensorQuant gradient_from_layer(const ActivationQuantInfo& a, const std::string& layer) {
    TensorQuant q;
    if (a.grad_bits >= 32) return q;
    q.bits = a.grad_bits;
    q.levels = 1 << a.grad_bits;
    q.scheme = "affine";
    q.granularity = "sample";
    q.rounding = a.grad_rounding;
    q.by = "layer " + layer + " (" + a.quantizer + ")";
    return q;
}

std::string now_utc() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

// "float", "8 bits", "like the rest": what the first/last rule left on a layer.
std::string precision_word(const json& layer, int common_w, int common_a) {
    const int w = layer["weight"]["bits"], a = layer["input"]["bits"];
    if (w == common_w && a == common_a) return "quantized like the rest";
    if (w >= 32 && a >= 32) return "float";
    return "W" + std::to_string(w) + "A" + std::to_string(a);
}

// The most frequent value of `bits` over the GEMM layers, by MACs.
int common_bits(const json& layers, const char* what) {
    std::map<int, int64_t> by_macs;
    for (const json& l : layers)
        if (l["kind"] == "gemm") by_macs[l[what]["bits"].get<int>()] += l["macs"].get<int64_t>();
    int best = 32;
    int64_t most = -1;
    for (auto& [bits, macs] : by_macs)
        if (macs > most) most = macs, best = bits;
    return best;
}

}  // namespace

json TensorQuant::to_json() const {
    return {{"bits", bits},
            {"levels", levels},
            {"scheme", scheme},
            {"granularity", granularity},
            {"symmetric", symmetric},
            {"scale", scale},
            {"zero_point", zero_point},
            {"rounding", rounding},
            {"observer", observer},
            {"by", by}};
}

TensorQuant TensorQuant::from_json(const json& j) {
    TensorQuant q;
    q.bits = j.at("bits");
    q.levels = j.at("levels");
    q.scheme = j.at("scheme");
    q.granularity = j.at("granularity");
    q.symmetric = j.at("symmetric");
    q.scale = j.at("scale");
    q.zero_point = j.at("zero_point");
    q.rounding = j.at("rounding");
    q.observer = j.at("observer");
    q.by = j.at("by");
    return q;
}

bool is_gemm_layer(Module& m) {
    // A conv/linear stays one even with quantizers attached as children (layers/quantizable.h).
    if (dynamic_cast<QuantizableLayer*>(&m)) return true;
    if (!m.children().empty()) return false;
    for (auto& [name, p] : m.named_parameters())
        if (name == "weight" && p->role == ParamRole::Weight) return true;
    return false;
}

std::string build_commit() {
    return MDQ_BUILD_COMMIT;
}

json build_card(Module& model, const QuantScheme& scheme, const CardInput& in) {
    MDQ_CHECK(in.input_h > 0 && in.input_w > 0 && in.in_channels > 0,
              "quantization card: the input size must be known, got ", in.input_h, "x", in.input_w,
              "x", in.in_channels);
    const bool was_training = model.is_training();
    model.eval();
    std::vector<LayerRecord> rows;
    try {
        rows = trace_layers(model, Tensor::zeros({1, in.input_h, in.input_w, in.in_channels},
                                                 DType::F32, model.device()));
    } catch (...) {
        model.train(was_training);
        throw;
    }
    model.train(was_training);

    std::map<std::string, Module*> modules;
    for (auto& [name, m] : model.named_modules())
        modules[name.empty() ? m->type_name() : name] = m;
    // Outputs of activation quantizer layers, by the data they hold.
    std::map<const void*, std::pair<ActivationQuantInfo, std::string>> quantized_outputs;

    json layers = json::array();
    bool first_gemm = true;
    int64_t macs = 0, max_buffer_bits = 0;
    double bops = 0, w_bits_by_macs = 0, a_bits_by_macs = 0, a_bits_by_elements = 0;
    int64_t gemm_macs = 0, activation_elements = 0;
    int max_a_bits = 0;
    std::string max_buffer_layer = "none";
    for (const LayerRecord& r : rows) {
        Module& m = *modules.at(r.name);
        const bool gemm = r.macs > 0 && is_gemm_layer(m);
        json l = {
            {"name", r.name},     {"type", r.type},     {"kind", layer_kind(m.type_name(), gemm)},
            {"output", r.output}, {"params", r.params}, {"macs", r.macs}};
        if (auto* q = dynamic_cast<const QuantizesActivations*>(&m))
            quantized_outputs[r.output_value.raw_data()] = {q->activation_quant(), r.name};
        macs += r.macs;
        if (gemm) {
            const TensorQuant w = scheme.parameter(r.name + ".weight");
            const auto from = quantized_outputs.find(r.input.raw_data());
            TensorQuant a = from != quantized_outputs.end()
                                ? from_layer(from->second.first, from->second.second)
                                : scheme.gemm_input(r.name, first_gemm);
            TensorQuant g = from != quantized_outputs.end()
                                ? gradient_from_layer(from->second.first, from->second.second)
                                : scheme.gradient(r.name);
            // Quantizers attached to the layer itself (layers/quantizable.h) say it first.
            if (auto* layer = dynamic_cast<QuantizableLayer*>(&m)) {
                if (auto* in = dynamic_cast<const QuantizesActivations*>(layer->input_quantizer()))
                    a = from_layer(in->activation_quant(), r.name + ".act_quant");
                if (auto* out =
                        dynamic_cast<const QuantizesActivations*>(layer->output_quantizer()))
                    g = gradient_from_layer(out->activation_quant(), r.name + ".grad_quant");
            }
            first_gemm = false;
            l["weight"] = w.to_json();
            const bool has_bias = m.find_parameter("bias") != nullptr;
            l["bias"] = has_bias ? scheme.parameter(r.name + ".bias").to_json() : json(nullptr);
            l["input"] = a.to_json();
            l["gradient"] = g.to_json();
            const double layer_bops = static_cast<double>(r.macs) * w.bits * a.bits;
            l["bops"] = layer_bops;
            bops += layer_bops;
            gemm_macs += r.macs;
            w_bits_by_macs += static_cast<double>(r.macs) * w.bits;
            a_bits_by_macs += static_cast<double>(r.macs) * a.bits;
            const int64_t n = r.input.numel();
            activation_elements += n;
            a_bits_by_elements += static_cast<double>(n) * a.bits;
            max_a_bits = std::max(max_a_bits, a.bits);
            if (n * a.bits > max_buffer_bits) {
                max_buffer_bits = n * a.bits;
                max_buffer_layer = r.name;
            }
        } else if (l["kind"] == "pool") {
            l["output_quant"] = scheme.pooling_output(r.name).to_json();
        }
        layers.push_back(l);
    }
    MDQ_CHECK(gemm_macs > 0, "quantization card: the model has no conv or linear layer");

    json params = json::array();
    int64_t n_params = 0, n_quantized = 0, size_bits = 0;
    for (auto& [name, p] : model.named_parameters()) {
        const TensorQuant q = scheme.parameter(name);
        const int64_t n = p->value.numel();
        params.push_back({{"name", name}, {"numel", n}, {"bits", q.bits}, {"levels", q.levels}});
        n_params += n;
        if (q.quantized()) n_quantized += n;
        size_bits += n * q.bits;
    }
    const json summary = scheme.summary();
    const int64_t scale_bits = summary.value("scale_bits", int64_t{0});
    const int cw = common_bits(layers, "weight"), ca = common_bits(layers, "input");
    json first = nullptr, last = nullptr;
    for (const json& l : layers)
        if (l["kind"] == "gemm") {
            if (first.is_null()) first = l;
            last = l;
        }

    json card;
    card["schema"] = "mdq.quant_card";
    card["version"] = kCardVersion;
    card["run"] = {{"command", in.command},
                   {"created", now_utc()},
                   {"mdq_version", MDQ_VERSION},
                   {"commit", build_commit()}};
    card["model"] = {
        {"name", in.model_name},
        {"input", {in.input_h, in.input_w, in.in_channels}},
        {"classes", in.num_classes},
        {"parameters", n_params},
        {"quantized_parameters", n_quantized},
        {"size_bits", size_bits + scale_bits},
        {"weight_bits", size_bits},
        {"scale_bits", scale_bits},
        {"float_size_bits", 32 * n_params},
        {"compression",
         32.0 * static_cast<double>(n_params) / static_cast<double>(size_bits + scale_bits)},
        {"macs", macs},
        {"gemm_macs", gemm_macs},
        {"bops", bops},
        {"bops_formula", "sum over conv/linear layers of MACs * w_bits * a_bits"},
        {"avg_w_bits_by_params", static_cast<double>(size_bits) / static_cast<double>(n_params)},
        {"avg_w_bits_by_macs", w_bits_by_macs / static_cast<double>(gemm_macs)},
        {"avg_a_bits_by_macs", a_bits_by_macs / static_cast<double>(gemm_macs)},
        {"avg_a_bits_by_elements", a_bits_by_elements / static_cast<double>(activation_elements)},
        {"max_a_bits", max_a_bits},
        {"max_activation_buffer_bits", max_buffer_bits},
        {"max_activation_buffer_layer", max_buffer_layer}};
    json q = summary;
    q.erase("scale_bits");
    q["residual_output"] = scheme.residual_output().to_json();
    q["first_layer"] = {{"name", first["name"]}, {"precision", precision_word(first, cw, ca)}};
    q["last_layer"] = {{"name", last["name"]}, {"precision", precision_word(last, cw, ca)}};
    card["quantization"] = q;
    card["layers"] = layers;
    card["parameters"] = params;
    card["training"] = in.training;
    card["data"] = in.data;
    card["results"] = in.results;
    return card;
}

}  // namespace mdq
