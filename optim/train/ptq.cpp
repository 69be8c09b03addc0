#include "optim/train/ptq.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "core/autograd.h"
#include "kernels/quant/observer.h"
#include "layers/activation_hook.h"
#include "layers/summary.h"
#include "optim/train/card_schemes.h"

namespace mdq {

namespace {

using nlohmann::json;

const std::set<std::string> kObservers = {"minmax", "ema", "percentile", "mse"};

bool parse_bool(const std::string& key, const std::string& v) {
    if (v == "true" || v == "1") return true;
    if (v == "false" || v == "0") return false;
    MDQ_THROW(ValueError, "ptq: ", key, " must be true or false, got '", v, "'");
}

// v converted whole by `convert` (std::stoll, std::stod), or an error naming `what` it must be.
template <class F>
auto parse_whole(const std::string& key, const std::string& v, const char* what, F convert) {
    size_t used = 0;
    decltype(convert(v, &used)) x{};
    try {
        x = convert(v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    MDQ_CHECK(used == v.size() && !v.empty(), "ptq: ", key, " must be ", what, ", got '", v, "'");
    return x;
}

int64_t parse_int(const std::string& key, const std::string& v) {
    return parse_whole(key, v, "an integer", [](const std::string& s, size_t* used) {
        return static_cast<int64_t>(std::stoll(s, used));
    });
}

double parse_real(const std::string& key, const std::string& v) {
    return parse_whole(key, v, "a number",
                       [](const std::string& s, size_t* used) { return std::stod(s, used); });
}

Range observe(const std::string& observer, const Tensor& x, int64_t axis, int bits, bool symmetric,
              double percentile) {
    if (observer == "percentile") return percentile_range(x, axis, percentile);
    if (observer == "mse") return mse_range(x, axis, bits, symmetric);
    return minmax_range(x, axis);  // minmax, and ema on a single tensor
}

// One activation site: a GEMM input, a pooling output or a residual sum.
struct Site {
    std::string name;
    int bits = 32;
    int64_t batches = 0;
    double lo = 0, hi = 0;
    AffineQuant q;
};

// Observes (calibration) or fake-quantizes (evaluation) the activation sites.
class PtqHook final : public ActivationHook {
  public:
    PtqHook(const PtqOptions& o, Module& root) : o_(o), root_(&root) {}
    Tensor on_input(const Module& m, const Tensor& x) override {
        if (&m == root_) residual_next_ = 0;
        const auto it = inputs_.find(&m);
        return it == inputs_.end() ? x : process(sites_[it->second], x);
    }
    Tensor on_output(const Module& m, const Tensor& y) override {
        const auto it = outputs_.find(&m);
        return it == outputs_.end() ? y : process(sites_[it->second], y);
    }
    Tensor on_residual(const Tensor& sum) override {
        if (!o_.quantize_residual) return sum;
        const size_t i = residual_next_++;
        if (i >= residuals_.size()) {
            MDQ_CHECK(observing, "ptq: a residual add the calibration pass did not see");
            residuals_.push_back(add_site("residual_add." + std::to_string(i), o_.a_bits));
        }
        return process(sites_[residuals_[i]], sum);
    }
    void add_input(const Module& m, const std::string& name, int bits) {
        inputs_[&m] = add_site(name + ".input", bits);
    }
    void add_output(const Module& m, const std::string& name, int bits) {
        outputs_[&m] = add_site(name + ".output", bits);
    }
    // After calibration: the grid of every site from its range.
    void finish_calibration() {
        observing = false;
        for (Site& s : sites_) {
            if (s.bits >= 32) continue;
            MDQ_CHECK(s.batches > 0, "ptq: no calibration batch reached ", s.name);
            const Tensor lo = Tensor::full({1}, s.lo), hi = Tensor::full({1}, s.hi);
            s.q = affine_quant_from_range(lo.to(device), hi.to(device), s.bits, o_.symmetric, -1);
        }
    }
    const Site& site_of_input(const Module& m) const { return sites_[inputs_.at(&m)]; }
    const Site* site_of_output(const Module& m) const {
        const auto it = outputs_.find(&m);
        return it == outputs_.end() ? nullptr : &sites_[it->second];
    }
    const std::vector<Site>& sites() const { return sites_; }
    bool observing = true;
    Device device = Device::cpu();

  private:
    size_t add_site(const std::string& name, int bits) {
        Site s;
        s.name = name;
        s.bits = bits;
        sites_.push_back(s);
        return sites_.size() - 1;
    }
    Tensor process(Site& s, const Tensor& x) {
        if (s.bits >= 32) return x;
        if (!observing) return fake_quant(x, s.q);
        const Range r = observe(o_.observer, x, -1, s.bits, o_.symmetric, o_.percentile);
        const double lo = r.lo.to(Device::cpu()).item<float>();
        const double hi = r.hi.to(Device::cpu()).item<float>();
        if (s.batches == 0) {
            s.lo = lo, s.hi = hi;
        } else if (o_.observer == "minmax") {
            s.lo = std::min(s.lo, lo), s.hi = std::max(s.hi, hi);
        } else if (o_.observer == "ema") {
            s.lo += o_.ema_constant * (lo - s.lo), s.hi += o_.ema_constant * (hi - s.hi);
        } else {  // percentile, mse: the mean of the per-batch ranges
            const double n = static_cast<double>(s.batches);
            s.lo = (s.lo * n + lo) / (n + 1), s.hi = (s.hi * n + hi) / (n + 1);
        }
        s.batches += 1;
        return x;
    }

    const PtqOptions& o_;
    const Module* root_;
    std::vector<Site> sites_;
    std::map<const Module*, size_t> inputs_, outputs_;
    std::vector<size_t> residuals_;
    size_t residual_next_ = 0;
};

TensorQuant affine_quant(int bits, bool symmetric, const std::string& granularity,
                         const std::string& observer, const std::string& what) {
    TensorQuant q;
    if (bits >= 32) return q;
    q.bits = bits;
    q.levels = symmetric ? (1 << bits) - 1 : 1 << bits;
    q.scheme = "affine";
    q.granularity = granularity;
    q.symmetric = symmetric;
    q.scale = "fp32 per " + granularity + ", from the " + observer + " range of the " + what;
    q.zero_point =
        symmetric ? "none (0)" : "per " + granularity + ", a whole number that makes 0 exact";
    q.rounding = "nearest (half to even)";
    q.observer = observer;
    q.by = "ptq";
    return q;
}

// The card's view of a PTQ run.
class PtqScheme final : public QuantScheme {
  public:
    PtqScheme(const PtqOptions& o, std::map<std::string, TensorQuant> params,
              std::map<std::string, TensorQuant> inputs, std::map<std::string, TensorQuant> pools,
              int64_t scale_bits, int64_t calib_images)
        : o_(o),
          params_(std::move(params)),
          inputs_(std::move(inputs)),
          pools_(std::move(pools)),
          scale_bits_(scale_bits),
          calib_images_(calib_images) {}
    TensorQuant parameter(const std::string& name) const override {
        const auto it = params_.find(name);
        if (it != params_.end()) return it->second;
        TensorQuant q;
        q.by = "ptq keeps it fp32";
        return q;
    }
    TensorQuant gemm_input(const std::string& layer, bool) const override {
        return inputs_.at(layer);
    }
    TensorQuant gradient(const std::string&) const override {
        TensorQuant q;
        q.by = "none (no training)";
        return q;
    }
    TensorQuant pooling_output(const std::string& layer) const override {
        const auto it = pools_.find(layer);
        return it == pools_.end() ? TensorQuant{} : it->second;
    }
    TensorQuant residual_output() const override {
        return o_.quantize_residual ? affine_quant(o_.a_bits, o_.symmetric, "tensor", o_.observer,
                                                   "calibration activations")
                                    : TensorQuant{};
    }
    json summary() const override {
        return {{"weights", "ptq: affine W" + std::to_string(o_.w_bits) + " per " + o_.granularity +
                                (o_.symmetric ? ", symmetric" : ", asymmetric")},
                {"activations", o_.a_bits >= 32 ? "float (32 bits)"
                                                : "ptq: affine A" + std::to_string(o_.a_bits) +
                                                      " per tensor at every conv/linear input"},
                {"gradients", "none (no training)"},
                {"observer", o_.observer},
                {"calibration",
                 {{"set", "training split, test transforms, shuffled with the seed"},
                  {"batches", o_.calib_batches},
                  {"images", calib_images_}}},
                {"ptq", o_.to_json()},
                {"batch_norm", "fp32, the float model's running statistics"},
                {"bn_folded", false},
                {"biases", "fp32"},
                {"pooling", o_.quantize_residual ? "outputs quantized" : "float"},
                {"residual_adds", o_.quantize_residual ? "outputs quantized" : "float"},
                {"softmax_loss", "float"},
                {"compute", "fp32 arithmetic on dequantized values (fake quantization)"},
                {"integer_only", false},
                {"evaluated_with", "fake-quantized weights and activations (results.test_acc)"},
                {"scale_bits", scale_bits_}};
    }

  private:
    PtqOptions o_;
    std::map<std::string, TensorQuant> params_, inputs_, pools_;
    int64_t scale_bits_, calib_images_;
};

}  // namespace

bool PtqOptions::is_key(const std::string& key) {
    static const std::set<std::string> keys = {
        "w_bits",     "a_bits",        "observer",        "granularity",
        "symmetric",  "calib_batches", "keep_first_last", "quantize_residual",
        "percentile", "ema_constant",  "float_reference"};
    return keys.count(key) > 0;
}

PtqOptions PtqOptions::take_from(std::vector<std::string>& sets) {
    PtqOptions o;
    std::vector<std::string> rest;
    for (const std::string& s : sets) {
        const size_t eq = s.find('=');
        const std::string key = s.substr(0, eq);
        if (eq == std::string::npos || !is_key(key)) {
            rest.push_back(s);
            continue;
        }
        const std::string v = s.substr(eq + 1);
        if (key == "w_bits") o.w_bits = static_cast<int>(parse_int(key, v));
        if (key == "a_bits") o.a_bits = static_cast<int>(parse_int(key, v));
        if (key == "observer") o.observer = v;
        if (key == "granularity") o.granularity = v;
        if (key == "symmetric") o.symmetric = parse_bool(key, v);
        if (key == "calib_batches") o.calib_batches = parse_int(key, v);
        if (key == "keep_first_last") o.keep_first_last = static_cast<int>(parse_int(key, v));
        if (key == "quantize_residual") o.quantize_residual = parse_bool(key, v);
        if (key == "percentile") o.percentile = parse_real(key, v);
        if (key == "ema_constant") o.ema_constant = parse_real(key, v);
        if (key == "float_reference") o.float_reference = parse_bool(key, v);
    }
    sets = rest;
    o.validate();
    return o;
}

void PtqOptions::validate() const {
    MDQ_CHECK(w_bits >= 2 && w_bits <= 16, "ptq: w_bits must be in [2, 16], got ", w_bits);
    MDQ_CHECK((a_bits >= 2 && a_bits <= 16) || a_bits == 32,
              "ptq: a_bits must be in [2, 16], or 32 for float activations, got ", a_bits);
    MDQ_CHECK(kObservers.count(observer),
              "ptq: observer must be minmax, ema, percentile or mse, got '", observer, "'");
    MDQ_CHECK(granularity == "tensor" || granularity == "channel",
              "ptq: granularity must be tensor or channel, got '", granularity, "'");
    MDQ_CHECK(calib_batches >= 1, "ptq: calib_batches must be at least 1, got ", calib_batches);
    MDQ_CHECK(keep_first_last == 0 || (keep_first_last >= 2 && keep_first_last <= 16),
              "ptq: keep_first_last must be 0 (quantize like the rest) or bits in [2, 16], got ",
              keep_first_last);
    MDQ_CHECK(percentile > 50 && percentile <= 100, "ptq: percentile must be in (50, 100], got ",
              percentile);
    MDQ_CHECK(ema_constant > 0 && ema_constant <= 1, "ptq: ema_constant must be in (0, 1], got ",
              ema_constant);
}

json PtqOptions::to_json() const {
    return {{"w_bits", w_bits},
            {"a_bits", a_bits},
            {"observer", observer},
            {"granularity", granularity},
            {"symmetric", symmetric},
            {"calib_batches", calib_batches},
            {"keep_first_last", keep_first_last},
            {"quantize_residual", quantize_residual},
            {"percentile", percentile},
            {"ema_constant", ema_constant}};
}

json PtqResult::summary() const {
    json j = {{"test_acc", test_acc},
              {"test_loss", test_loss},
              {"images", images},
              {"calib_images", calib_images}};
    if (float_test_acc >= 0) {
        j["float_test_acc"] = float_test_acc;
        j["float_test_loss"] = float_test_loss;
    }
    return j;
}

PtqResult run_ptq(Experiment& ex, const PtqOptions& o) {
    o.validate();
    MDQ_CHECK(ex.splits && ex.test_loader, "ptq: needs the dataset (an Experiment with data)");
    MDQ_CHECK(ex.cfg.get_string("method") == "float",
              "ptq quantizes a float model; this one was "
              "trained with method ",
              ex.cfg.get_string("method"), " (mdq eval evaluates it)");
    MDQ_CHECK(ex.model->compute_dtype() == DType::F32, "ptq runs in fp32; set precision=fp32");
    PtqResult res;
    Module& model = *ex.model;
    const int64_t eval_batches = ex.cfg.get_int("eval_batches");
    if (o.float_reference) {
        const EvalResult f = evaluate(model, *ex.test_loader, 0, eval_batches);
        res.float_test_acc = f.acc;
        res.float_test_loss = f.loss;
    }

    // The conv/linear layers in call order, and the pooling layers.
    model.eval();
    const std::vector<LayerRecord> rows =
        trace_layers(model, Tensor::zeros({1, ex.model_options.input_h, ex.model_options.input_w,
                                           ex.model_options.in_channels},
                                          DType::F32, ex.device));
    std::map<std::string, Module*> modules;
    for (auto& [name, m] : model.named_modules())
        modules[name.empty() ? m->type_name() : name] = m;
    std::vector<std::string> gemms, pools;
    for (const LayerRecord& r : rows) {
        Module& m = *modules.at(r.name);
        if (is_gemm_layer(m) && std::find(gemms.begin(), gemms.end(), r.name) == gemms.end())
            gemms.push_back(r.name);
        else if (m.type_name().find("Pool") != std::string::npos)
            pools.push_back(r.name);
    }
    MDQ_CHECK(!gemms.empty(), "ptq: the model has no conv or linear layer");
    auto kept = [&](const std::string& layer) {
        return o.keep_first_last > 0 && (layer == gemms.front() || layer == gemms.back());
    };

    // Weights, quantized in place.
    const int64_t axis = o.granularity == "channel" ? 0 : -1;
    std::map<std::string, TensorQuant> params, inputs, pool_quant;
    int64_t scale_bits = 0;
    {
        NoGradGuard no_grad;
        for (const std::string& layer : gemms) {
            const int bits = kept(layer) ? o.keep_first_last : o.w_bits;
            for (auto& [pname, p] : modules.at(layer)->named_parameters()) {
                if (pname != "weight") continue;
                Tensor w = p->value.detach();
                const Range r = observe(o.observer, w, axis, bits, o.symmetric, o.percentile);
                const AffineQuant q = affine_quant_from_range(r.lo, r.hi, bits, o.symmetric, axis);
                w.copy_(fake_quant(w, q));
                scale_bits += q.scale.numel() * (32 + (o.symmetric ? 0 : bits));
                params[layer + ".weight"] =
                    affine_quant(bits, o.symmetric, o.granularity,
                                 o.observer == "ema" ? "minmax" : o.observer, "weights");
            }
        }
    }

    // Activation sites.
    PtqHook hook(o, model);
    hook.device = ex.device;
    for (const std::string& layer : gemms) {
        const int bits = o.a_bits >= 32 ? 32 : (kept(layer) ? o.keep_first_last : o.a_bits);
        hook.add_input(*modules.at(layer), layer, bits);
        inputs[layer] =
            affine_quant(bits, o.symmetric, "tensor", o.observer, "calibration activations");
    }
    if (o.quantize_residual && o.a_bits < 32)
        for (const std::string& layer : pools) {
            hook.add_output(*modules.at(layer), layer, o.a_bits);
            pool_quant[layer] = affine_quant(o.a_bits, o.symmetric, "tensor", o.observer,
                                             "calibration activations");
        }

    // Calibration.
    data::LoaderOptions lo;
    lo.batch_size = ex.cfg.get_int("batch_size");
    lo.shuffle = true;
    lo.seed = static_cast<uint64_t>(ex.cfg.get_int("seed"));
    lo.num_workers = static_cast<int>(ex.cfg.get_int("num_workers"));
    lo.device = ex.device;
    data::Loader calib(ex.splits->train, ex.splits->test_transform, lo);
    {
        NoGradGuard no_grad;
        ActivationHookGuard guard(&hook);
        model.eval();
        for (int64_t b = 0; b < o.calib_batches; ++b) {
            std::optional<data::Batch> batch = calib.next();
            if (!batch) break;
            res.calib_images += batch->images.size(0);
            model(batch->images);
        }
    }
    hook.finish_calibration();

    // Evaluation with the quantized weights and activations.
    {
        ActivationHookGuard guard(&hook);
        const EvalResult r = evaluate(model, *ex.test_loader, 0, eval_batches);
        res.test_acc = r.acc;
        res.test_loss = r.loss;
        res.images = r.count;
    }
    CardInput in = card_input(ex, "ptq");
    in.results = res.summary();
    res.card = build_card(
        model, PtqScheme(o, params, inputs, pool_quant, scale_bits, res.calib_images), in);
    return res;
}

}  // namespace mdq
