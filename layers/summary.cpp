#include "layers/summary.h"

#include <map>
#include <set>
#include <utility>

#include "core/autograd.h"
#include "layers/quantizable.h"

namespace mdq {

namespace {

class Recorder final : public ModuleTracer {
  public:
    explicit Recorder(Module& root) {
        // A conv/linear with attached quantizers is still one row, and so is each quantizer.
        for (auto& [name, m] : root.named_modules()) {
            const std::string label = name.empty() ? m->type_name() : name;
            if (auto* q = dynamic_cast<QuantizableLayer*>(m)) {
                leaves_[m] = {label, q->own_parameters()};
            } else if (m->children().empty()) {
                leaves_[m] = {label, m->num_parameters()};
            }
        }
    }
    void on_forward(const Module& m, const Tensor& in, const Tensor& out) override {
        auto it = leaves_.find(&m);
        if (it == leaves_.end()) return;
        LayerRecord r;
        r.name = it->second.first;
        r.type = m.describe();
        r.output = out.shape();
        r.params = listed_.insert(&m).second ? it->second.second : 0;
        r.macs = m.macs(in.shape(), out.shape());
        r.input = in;
        r.output_value = out;
        records.push_back(std::move(r));
    }
    std::vector<LayerRecord> records;

  private:
    std::map<const Module*, std::pair<std::string, int64_t>> leaves_;  // name, parameters
    std::set<const Module*> listed_;
};

}  // namespace

std::vector<LayerRecord> trace_layers(Module& m, const Tensor& x) {
    Recorder rec(m);
    NoGradGuard no_grad;
    ModuleTracer* prev = set_module_tracer(&rec);
    try {
        m(x);
    } catch (...) {
        set_module_tracer(prev);
        throw;
    }
    set_module_tracer(prev);
    return rec.records;
}

}  // namespace mdq
