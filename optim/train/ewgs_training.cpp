#include "optim/train/ewgs_training.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "kernels/ops.h"
#include "layers/calibration.h"

namespace mdq {

bool is_ewgs(const Config& cfg) {
    return cfg.get_string("method") == "ewgs";
}

void add_ewgs_rules(const Config& cfg, QuantConfig& q) {
    if (is_ewgs(cfg)) q.roles = {ParamRole::Weight};
}

int attach_ewgs_quantizers(Module& model, const QuantConfig& q, const Config& cfg) {
    std::map<std::string, int> levels;
    for (auto& [name, p] : model.named_parameters()) {
        const QuantSpec s = q.resolve(name, *p);
        if (s.method == Method::Ewgs) {
            MDQ_CHECK(p->role == ParamRole::Weight &&
                          (p->layer_type == "Conv2d" || p->layer_type == "Linear"),
                      "method ewgs quantizes conv and linear weights only; '", name, "' is a ",
                      param_role_name(p->role), " of a ", p->layer_type);
            levels[name] = s.levels;
        }
    }
    const EwgsDelta d = parse_ewgs_delta(cfg.get_string("ewgs_delta"));
    return attach_weight_quantizers(model, d.value, [&](const std::string& weight) {
        const auto it = levels.find(weight);
        return it == levels.end() ? 0 : it->second;
    });
}

EwgsHessianOptions ewgs_hessian_options_from(const Config& cfg) {
    EwgsHessianOptions o;
    o.batches = static_cast<int>(cfg.get_int("ewgs_hessian_batches"));
    o.probes.max_probes = static_cast<int>(cfg.get_int("ewgs_hessian_probes"));
    MDQ_CHECK(o.batches >= 1, "ewgs_hessian_batches must be >= 1, got ", o.batches);
    MDQ_CHECK(o.probes.max_probes >= 1, "ewgs_hessian_probes must be >= 1, got ",
              o.probes.max_probes);
    o.probes.seed = static_cast<uint64_t>(cfg.get_int("seed"));
    return o;
}

namespace {

using Quantizers = std::vector<std::pair<std::string, EwgsWeightQuant*>>;

// dL/dx_q of every quantizer at x_q + offsets for one batch (offsets shaped like the weights).
std::vector<Tensor> probe_gradients(Module& model, const Quantizers& qs, const Tensor& images,
                                    const Tensor& labels, const std::vector<Tensor>& offsets) {
    for (size_t i = 0; i < qs.size(); ++i)
        qs[i].second->set_probe(offsets[i]);
    cross_entropy(model(images), labels).backward();
    std::vector<Tensor> g;
    for (size_t i = 0; i < qs.size(); ++i) {
        EwgsWeightQuant& q = *qs[i].second;
        const Tensor pg = q.probe_point().grad();
        g.push_back(pg.defined() ? pg.clone() : offsets[i] * 0.0);
        q.set_probe(Tensor());
    }
    return g;
}

double std_of(const Tensor& t) {
    const Tensor f = t.to(DType::F64);
    const double mu = mean(f).item<double>(), sq = mean(f * f).item<double>();
    return std::sqrt(std::max(sq - mu * mu, 0.0));
}

}  // namespace

std::vector<EwgsLayerDelta> ewgs_hessian_deltas(Module& model, const EwgsBatchSource& next,
                                                const EwgsHessianOptions& o) {
    const Quantizers qs = weight_quantizers(model);
    std::vector<EwgsLayerDelta> out(qs.size());
    if (qs.empty()) return out;
    std::map<std::string, Parameter*> params;
    for (auto& [name, p] : model.named_parameters())
        params[name] = p;
    std::vector<Tensor> at_xq;  // zero offsets: the point x_q itself
    for (auto& [name, q] : qs) {
        const Tensor& w = params.at(name)->value;
        at_xq.push_back(Tensor::zeros(w.shape(), w.dtype(), w.device()));
    }
    int used = 0;
    {
        ModelSnapshot snapshot(model);
        Tensor images, labels;
        while (used < o.batches && next(images, labels)) {
            const std::vector<Tensor> g = probe_gradients(model, qs, images, labels, at_xq);
            HutchinsonOptions po = o.probes;
            po.stream = static_cast<uint64_t>(used);
            const HutchinsonResult h = hutchinson_traces(
                [&](const std::vector<Tensor>& off) {
                    return probe_gradients(model, qs, images, labels, off);
                },
                at_xq, po);
            for (size_t i = 0; i < qs.size(); ++i) {
                out[i].grad_std += std_of(g[i]);
                out[i].trace_per_elem += h.traces[i] / static_cast<double>(g[i].numel());
                out[i].probes += h.probes;
            }
            ++used;
        }
    }
    model.zero_grad();
    MDQ_CHECK(used > 0, "ewgs_delta=hessian: the batch source gave no batch");
    for (size_t i = 0; i < qs.size(); ++i) {
        EwgsLayerDelta& d = out[i];
        d.name = qs[i].first;
        d.trace_per_elem /= used;
        d.grad_std /= used;
        d.delta = std::max(0.0, d.trace_per_elem / (3.0 * d.grad_std + o.eps_denominator));
    }
    return out;
}

void apply_ewgs_deltas(Module& model, const std::vector<EwgsLayerDelta>& deltas) {
    const auto qs = weight_quantizers(model);
    for (const EwgsLayerDelta& d : deltas) {
        const auto it =
            std::find_if(qs.begin(), qs.end(), [&](const auto& q) { return q.first == d.name; });
        MDQ_CHECK(it != qs.end(), "apply_ewgs_deltas: no EWGS weight quantizer for '", d.name, "'");
        it->second->set_delta(d.delta);
    }
}

}  // namespace mdq
