#include "layers/summary.h"

#include <map>
#include <set>

#include "core/autograd.h"

namespace mdq {

namespace {

class Recorder final : public ModuleTracer {
  public:
    explicit Recorder(Module& root) {
        for (auto& [name, m] : root.named_modules())
            if (m->children().empty()) leaves_[m] = name.empty() ? m->type_name() : name;
    }
    void on_forward(const Module& m, const Tensor& in, const Tensor& out) override {
        auto it = leaves_.find(&m);
        if (it == leaves_.end()) return;
        Module& leaf = const_cast<Module&>(m);  // named_parameters() is not const
        LayerRecord r;
        r.name = it->second;
        r.type = m.describe();
        r.output = out.shape();
        r.params = listed_.insert(&m).second ? leaf.num_parameters() : 0;
        r.macs = m.macs(in.shape(), out.shape());
        records.push_back(std::move(r));
    }
    std::vector<LayerRecord> records;

  private:
    std::map<const Module*, std::string> leaves_;
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
