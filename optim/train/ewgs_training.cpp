#include "optim/train/ewgs_training.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "kernels/ops.h"
#include "layers/act_quant.h"
#include "layers/calibration.h"

namespace mdq {

bool is_ewgs(const Config& cfg) {
    return cfg.get_string("method") == "ewgs";
}

bool ewgs_delta_from_hessian(const Config& cfg) {
    return parse_ewgs_delta(cfg.get_string("ewgs_delta")).from_hessian;
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

// An EWGS quantizer whose delta the estimate sets: a weight's or a layer input's.
struct Block {
    std::string name;  // "conv1.weight", "conv2.act_quant"
    HessianProbe* probe;
};

std::vector<Block> ewgs_blocks(Module& model) {
    std::vector<Block> b;
    for (auto& [name, q] : weight_quantizers(model))
        b.push_back({name, &q->probe()});
    for (auto& [name, a] : act_quantizers(model))
        if (a->kind() == ActQuantKind::Ewgs) b.push_back({name, &a->probe()});
    return b;
}

// Disarms the probes however the estimate ends.
struct Disarm {
    const std::vector<Block>& blocks;
    ~Disarm() {
        for (const Block& b : blocks)
            b.probe->disarm();
    }
};

// dL/dx_q of every block at x_q + offsets for one batch (undefined offsets: at x_q).
std::vector<Tensor> probe_gradients(Module& model, const std::vector<Block>& blocks,
                                    const Tensor& images, const Tensor& labels,
                                    const std::vector<Tensor>& offsets) {
    for (size_t i = 0; i < blocks.size(); ++i)
        blocks[i].probe->arm(i < offsets.size() ? offsets[i] : Tensor());
    cross_entropy(model(images), labels).backward();
    std::vector<Tensor> g;
    for (const Block& b : blocks) {
        const Tensor point = b.probe->point();
        MDQ_CHECK(point.defined(), "ewgs_delta=hessian: the forward pass never reached the ",
                  "EWGS quantizer of '", b.name, "'");
        const Tensor pg = point.grad();
        g.push_back(pg.defined() ? pg.clone() : point.detach() * 0.0);
        b.probe->disarm();
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
    const std::vector<Block> blocks = ewgs_blocks(model);
    std::vector<EwgsLayerDelta> out(blocks.size());
    if (blocks.empty()) return out;
    int used = 0;
    {
        ModelSnapshot snapshot(model);
        GradQuantBypass bypass(model);
        Disarm disarm{blocks};
        Tensor images, labels;
        while (used < o.batches && next(images, labels)) {
            const std::vector<Tensor> g = probe_gradients(model, blocks, images, labels, {});
            HutchinsonOptions po = o.probes;
            po.stream = static_cast<uint64_t>(used);
            const HutchinsonResult h = hutchinson_traces(
                [&](const std::vector<Tensor>& off) {
                    return probe_gradients(model, blocks, images, labels, off);
                },
                g, po);
            for (size_t i = 0; i < blocks.size(); ++i) {
                out[i].grad_std += std_of(g[i]);
                out[i].trace_per_elem += h.traces[i] / static_cast<double>(g[i].numel());
                out[i].probes += h.probes;
            }
            ++used;
        }
    }
    model.zero_grad();
    MDQ_CHECK(used > 0, "ewgs_delta=hessian: the batch source gave no batch");
    for (size_t i = 0; i < blocks.size(); ++i) {
        EwgsLayerDelta& d = out[i];
        d.name = blocks[i].name;
        d.trace_per_elem /= used;
        d.grad_std /= used;
        d.delta = std::max(0.0, d.trace_per_elem / (3.0 * d.grad_std + o.eps_denominator));
    }
    return out;
}

void apply_ewgs_deltas(Module& model, const std::vector<EwgsLayerDelta>& deltas) {
    std::map<std::string, std::function<void(double)>> setters;
    for (auto& [name, q] : weight_quantizers(model))
        setters[name] = [q = q](double d) { q->set_delta(d); };
    for (auto& [name, a] : act_quantizers(model))
        if (a->kind() == ActQuantKind::Ewgs) setters[name] = [a = a](double d) { a->set_delta(d); };
    for (const EwgsLayerDelta& d : deltas) {
        const auto it = setters.find(d.name);
        MDQ_CHECK(it != setters.end(), "apply_ewgs_deltas: no EWGS quantizer named '", d.name, "'");
        it->second(d.delta);
    }
}

}  // namespace mdq
