// Module: the base of every layer and model. Parameters, buffers and children are kept in
// registration order (the order of the parameter arena, the all-reduce and checkpoints).
// A parameter's `value` is what forward reads; for quantized parameters the optimizer writes
// the projected weight into it after each step (docs/DESIGN.md decision 5), so layers never know
// whether they are quantized.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace mdq {

// What a parameter is, so quantization rules can select it ("every conv and linear weight
// and bias") without knowing layer types. Quantizer: the learned ends of an activation
// quantizer (layers/act_quant.h), trained in their own parameter group and left alone by
// init_parameters().
enum class ParamRole : uint8_t { Weight, Bias, NormScale, NormShift, Other, Quantizer };
const char* param_role_name(ParamRole r);

struct Parameter {
    Tensor value;  // f32 leaf with requires_grad; its grad lives in the arena once packed
    ParamRole role = ParamRole::Other;
    std::string layer_type;  // type_name() of the owning module, e.g. "Conv2d"
    Tensor compute;          // optional low-precision copy (bf16) kept current by the optimizer
};

// Reports every module call while installed (mdq summary, the step profiler). Thread-local.
class ModuleTracer {
  public:
    virtual ~ModuleTracer() = default;
    // Before forward runs (a profiler opens its time span here).
    virtual void on_forward_begin(const class Module&, const Tensor&) {}
    virtual void on_forward(const class Module& m, const Tensor& in, const Tensor& out) = 0;
};
ModuleTracer* set_module_tracer(ModuleTracer* t);  // returns the previous one

class Module {
  public:
    virtual ~Module() = default;
    Module() = default;
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;

    virtual Tensor forward(const Tensor& x) = 0;
    virtual std::string type_name() const = 0;
    virtual std::string describe() const { return type_name(); }  // e.g. "Conv2d(3, 64, k=3)"
    // Multiply-accumulates of one forward call producing `out` from `in` (0 for containers).
    virtual int64_t macs(const Shape& in, const Shape& out) const;
    // Calls forward and reports to the tracer. Use this, not forward(), to call children.
    Tensor operator()(const Tensor& x);

    std::vector<std::pair<std::string, Parameter*>> named_parameters();
    std::vector<std::pair<std::string, Tensor*>> named_buffers();
    // The parameter or buffer of that dotted name ("features.0.weight"), or null.
    Parameter* find_parameter(const std::string& name);
    Tensor* find_buffer(const std::string& name);
    std::vector<std::pair<std::string, Module*>> named_modules();  // self first, as ""
    std::vector<std::pair<std::string, Module*>> children();
    int64_t num_parameters();

    void train(bool on = true);
    void eval() { train(false); }
    bool is_training() const { return training_; }
    // Moves parameters and buffers (keeps requires_grad); the parameter arena must be rebuilt.
    void to(Device d);
    Device device();
    // Compute precision of conv/linear layers: f32, or bf16 (GPU; parameters stay f32).
    void set_compute_dtype(DType dt);
    DType compute_dtype() const { return compute_dtype_; }

    // Parameters (values) and buffers by dotted name.
    std::map<std::string, Tensor> state_dict();
    // Copies values in; strict: every key must match in name and shape, none missing or extra.
    void load_state_dict(const std::map<std::string, Tensor>& state, bool strict = true);
    void zero_grad();

  protected:
    Parameter& register_parameter(const std::string& name, Tensor init, ParamRole role);
    Tensor& register_buffer(const std::string& name, Tensor init);
    template <class M>
    M& register_module(const std::string& name, std::shared_ptr<M> m) {
        add_child(name, m);
        return *m;
    }
    // Called by train()/to()/set_compute_dtype() so layers can react (rarely needed).
    virtual void on_mode_change() {}

  private:
    void add_child(const std::string& name, std::shared_ptr<Module> m);
    void check_new_name(const std::string& name) const;

    std::vector<std::pair<std::string, std::unique_ptr<Parameter>>> params_;
    std::vector<std::pair<std::string, std::unique_ptr<Tensor>>> buffers_;
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
    bool training_ = true;
    DType compute_dtype_ = DType::F32;
};

using ModulePtr = std::shared_ptr<Module>;

}  // namespace mdq
