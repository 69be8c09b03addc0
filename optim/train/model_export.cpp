#include "optim/train/model_export.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

#include "core/autograd.h"
#include "data/safetensors.h"
#include "kernels/ops.h"
#include "kernels/quant/quant_math.h"
#include "layers/act_quant.h"
#include "layers/quantizable.h"
#include "layers/weight_quant.h"
#include "optim/train/hard_eval.h"

namespace mdq {

namespace {
const std::string kPacked = ".packed";

std::vector<double> level_values(int levels, double scale) {
    std::vector<double> v;
    for (int k = 0; k < levels; ++k)
        v.push_back(scale * math::level_value<double>(k, levels));
    return v;
}

double first_value(const Tensor& t) {
    return t.to(Device::cpu()).to(DType::F64).item<double>();
}

// [l, u] as the EWGS quantizer uses it (kernels/quant/act_quant_math.h: at least kMinActRange).
std::pair<double, double> ewgs_interval(const EwgsWeightQuant& q) {
    const double lo = first_value(q.lower());
    return {lo, std::max(first_value(q.upper()), lo + math::kMinActRange)};
}

// What a runtime needs to apply the activation and gradient quantizers of the model
// (docs/TRAINING.md, "Evaluation and export"): per conv/linear layer, the quantizer of its input
// and the gradient quantizer of its output (training only), with their learned ends.
nlohmann::json io_quantizers(Module& model) {
    nlohmann::json layers = nlohmann::json::object();
    for (auto& [name, m] : model.named_modules()) {
        auto* layer = dynamic_cast<QuantizableLayer*>(m);
        if (!layer) continue;
        nlohmann::json entry = nlohmann::json::object();
        if (auto* a = dynamic_cast<ActQuant*>(layer->input_quantizer())) {
            const double lo = a->lower().defined() ? first_value(a->lower()) : 0.0;
            const double hi = a->upper().defined() ? first_value(a->upper()) : 1.0;
            const double hi_used = std::max(hi, lo + math::kMinActRange);
            const bool uniform = a->kind() == ActQuantKind::Uniform;
            entry["input"] = {{"quantizer", act_quant_kind_name(a->kind())},
                              {"bits", a->bits()},
                              {"levels", 1 << a->bits()},
                              {"lower", lo},
                              {"upper", hi_used},
                              {"output_scale", uniform ? hi_used - lo : 1.0},
                              {"output_offset", uniform ? lo : 0.0}};
        }
        if (auto* g = dynamic_cast<GradQuant*>(layer->output_quantizer()))
            entry["output_gradient"] = {{"quantizer", "dorefa"}, {"bits", g->bits()}};
        if (!entry.empty()) layers[name] = entry;
    }
    return layers;
}
}  // namespace

void write_export(const std::string& dir, Experiment& ex) {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
        MDQ_THROW(IoError, "cannot create the export folder '", dir, "': ", std::strerror(errno));
    std::map<std::string, Tensor> tensors;
    nlohmann::json packed_meta = nlohmann::json::object();
    auto add = [&](const std::string& name, const PackedTensor& p, double scale) {
        tensors[name + kPacked] = p.data;
        packed_meta[name] = {{"shape", p.shape},
                             {"levels", p.levels},
                             {"bits", p.bits},
                             {"scale", scale},
                             {"values", level_values(p.levels, scale)}};
    };
    for (auto& [name, p] : ex.opt->export_packed())
        add(name, p, ex.opt->hard_scale(name));
    for (auto& [name, w] : layer_quantized_codes(*ex.model))
        add(name, w.packed, w.scale);
    const std::map<std::string, Tensor> state = ex.model->state_dict();
    for (const auto& [name, t] : state)
        if (!packed_meta.contains(name)) tensors[name] = t;
    nlohmann::json meta = {
        {"format", "mdq-export-1"},
        {"model", ex.cfg.get_string("model")},
        {"dataset", ex.cfg.get_string("dataset")},
        {"method", ex.cfg.get_string("method")},
        {"levels", ex.cfg.get_int("levels")},
        {"affine_bn", ex.cfg.get_bool("affine_bn")},
        {"model_options", ex.model_options_json()},
        {"config", ex.cfg.effective()},  // what mdq infer rebuilds the model from
        {"model_widths", ex.cfg.get_json("model_widths")},  // a thinned model's (docs/PRUNING.md)
        {"parameters", ex.model->num_parameters()},
        {"layout", "activations NHWC, convolution weights OHWI, linear weights [out, in]"},
        {"encoding",
         "code c of weight i sits in bits [i*bits, (i+1)*bits) of the u8 stream, "
         "least significant bit first; its value is values[c]"},
        {"packed", packed_meta},
        {"activation_quantizers", io_quantizers(*ex.model)}};
    save_safetensors(dir + "/model.safetensors", tensors, {{"format", "mdq-export-1"}});
    write_file_atomic(dir + "/model.json", meta.dump(2) + "\n");
}

namespace {
// Sorts the tensors of an export into float ones and packed ones described by model.json.
void collect_tensors(SafetensorsFile& f, const std::string& dir, ExportedModel& e) {
    for (auto& [name, t] : f.tensors) {
        if (name.size() > kPacked.size() &&
            name.compare(name.size() - kPacked.size(), kPacked.size(), kPacked) == 0) {
            const std::string param = name.substr(0, name.size() - kPacked.size());
            const nlohmann::json& packed = e.meta.at("packed");
            MDQ_CHECK(packed.is_object() && packed.contains(param), "packed tensor '", name,
                      "' has no entry in '", dir, "/model.json'");
            const nlohmann::json& m = packed.at(param);
            PackedTensor p;
            p.data = t;
            p.shape = m.at("shape").get<Shape>();
            p.levels = m.at("levels").get<int>();
            p.bits = m.at("bits").get<int>();
            e.packed.emplace_back(param, p);
            e.scales[param] = m.value("scale", 1.0);  // exports before DoReFa k = 1 had none
        } else {
            e.floats[name] = t;
        }
    }
}
}  // namespace

std::vector<std::pair<std::string, LayerQuantizedWeight>> layer_quantized_codes(Module& model) {
    std::vector<std::pair<std::string, LayerQuantizedWeight>> out;
    NoGradGuard no_grad;
    for (auto& [name, q] : weight_quantizers(model)) {
        MDQ_CHECK(q->levels() <= 256, "export of '", name, "': ", q->levels(),
                  " EWGS levels do not fit the export's codes (at most 256 levels, 8 bits)");
        const Parameter* p = model.find_parameter(name);
        MDQ_CHECK(p, "export: the model has no parameter '", name, "'");
        const Tensor w = p->value;
        const double alpha = std::abs(first_value(q->scale()));
        // w_q = |alpha| (2 k / (L - 1) - 1): the code k of each weight, from the forward itself.
        const std::vector<double> wq = (*q)(w).to(Device::cpu()).to(DType::F64).to_vector<double>();
        std::vector<uint8_t> codes(wq.size());
        const double half_steps = 0.5 * (q->levels() - 1);
        for (size_t i = 0; i < wq.size(); ++i)
            codes[i] = static_cast<uint8_t>(std::lround((wq[i] / alpha + 1.0) * half_steps));
        LayerQuantizedWeight lw;
        lw.packed = pack_codes(Tensor::from_vector(codes, w.shape()), q->levels());
        lw.scale = alpha;
        out.emplace_back(name, std::move(lw));
    }
    return out;
}

ExportedModel read_export(const std::string& dir) {
    ExportedModel e;
    std::ifstream in(dir + "/model.json");
    if (!in) MDQ_THROW(IoError, "no export in '", dir, "': model.json is missing");
    try {
        e.meta = nlohmann::json::parse(in);
    } catch (const std::exception& ex) {
        MDQ_THROW(IoError, "'", dir, "/model.json' is not valid JSON: ", ex.what());
    }
    MDQ_CHECK(
        e.meta.is_object() && e.meta.contains("format") && e.meta["format"] == "mdq-export-1", "'",
        dir, "/model.json' is not an mdq export (format ",
        e.meta.is_object() ? e.meta.value("format", nlohmann::json("missing")).dump() : "missing",
        ")");
    SafetensorsFile f = load_safetensors(dir + "/model.safetensors");
    try {
        collect_tensors(f, dir, e);
    } catch (const nlohmann::json::exception& ex) {
        MDQ_THROW(IoError, "'", dir, "/model.json' has a bad packed entry: ", ex.what());
    }
    return e;
}

void load_export(const ExportedModel& e, Experiment& ex) {
    const nlohmann::json model = e.meta.value("model", nlohmann::json("?"));
    MDQ_CHECK(model == ex.cfg.get_string("model"), "the export is a ", model.dump(),
              " but the model built is a ", ex.cfg.get_string("model"));
    ex.model->load_state_dict(e.floats, /*strict=*/false);
    load_packed_weights(*ex.arena, e.packed);
    std::map<std::string, const EwgsWeightQuant*> by_layer;
    for (auto& [name, q] : weight_quantizers(*ex.model))
        by_layer[name] = q;
    for (const auto& [name, scale] : e.scales) {
        const ParamArena::Slot& slot = ex.arena->slot(name);
        Tensor w = ex.arena->values().slice(0, slot.offset, slot.offset + slot.numel);
        const auto q = by_layer.find(name);
        if (q != by_layer.end()) {
            // The latent weight goes to its code's point of [l, u], which the layer's quantizer
            // (loaded with the floats) maps back to the exported value: its scale is |alpha|.
            const auto [lo, hi] = ewgs_interval(*q->second);
            w.copy_(w * (0.5 * (hi - lo)) + 0.5 * (hi + lo));
        } else if (scale != 1.0) {
            w.copy_(w * scale);
        }
    }
    ex.arena->sync_compute();
}

}  // namespace mdq
