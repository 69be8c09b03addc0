// QuantOptimizer: the optimizer of a quantized (or float) model (docs/DESIGN.md decision 5). It
// owns the stored variables (auxiliary u, primal x or simplex logits, in a flat arena aligned
// like the ParamArena) and the base optimizer's state, and after every step writes the
// projected weight w into ParamArena::values() (and the bf16 compute copy when enabled), so
// layers only ever read Parameter::value. One step() is one fused launch over all parameters.
//
//   ParamArena arena(model);
//   QuantOptimizer opt(arena, quant_config, optim_config);  // initializes u, writes w
//   for (...) { arena.zero_grad(); loss(model(x)).backward(); opt.step(); }
//
// The arena must outlive the optimizer and keep its buffers (rebuild both after Module::to).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "kernels/quant/pack.h"
#include "layers/param_arena.h"
#include "optim/md_step_math.h"
#include "optim/quant_config.h"

namespace mdq {

// Everything needed to resume exactly: named tensors (CPU copies), scalars and the per-
// parameter specs. Names: "<param>.<stored>" with stored = u (aux), x (primal), logits
// (simplex aux), simplex (simplex primal); "<param>.exp_avg", ".exp_avg_sq",
// ".momentum_buffer"; scalars "step", "beta", "lr"; meta "<param>.method", "<param>.levels".
struct OptimizerState {
    std::map<std::string, Tensor> tensors;
    std::map<std::string, double> scalars;
    std::map<std::string, std::string> meta;
};

class QuantOptimizer {
  public:
    // Resolved per-parameter layout.
    struct Param {
        std::string name;
        QuantSpec spec;
        Shape shape;
        int64_t numel = 0;
        int64_t row = 1;             // weights per output row (simplex layout)
        int64_t value_offset = 0;    // into arena values/grads
        int64_t stored_offset = -1;  // into stored(); -1: the weight itself is stored
        int64_t state_offset = 0;    // into the moment buffers
        int64_t stored_numel = 0;    // numel * values per weight
    };

    QuantOptimizer(ParamArena& arena, const QuantConfig& quant, const OptimConfig& optim);
    QuantOptimizer(const QuantOptimizer&) = delete;
    QuantOptimizer& operator=(const QuantOptimizer&) = delete;

    // One iteration: a single fused launch on the arena's device, no host synchronization;
    // captures into a CUDA graph (the iteration counter lives on the device). Enable the
    // arena's compute copy before capturing: the first step after that re-uploads metadata.
    void step();
    // Rewrites w (and the compute copy) from the stored variables with the current beta.
    void reproject();

    // CUDA graphs: whether a captured step() replays correctly, i.e. takes nothing from the
    // host per iteration. Not for methods with a tensor statistic (DoReFa), whose projection
    // pass is given beta by the host; `why` then says so.
    bool replayable(std::string* why = nullptr) const;
    // After a replay of a captured step(): the device advanced its control block itself, and
    // this advances the host's copy (step_count(), beta(), lr()) to match, launching nothing.
    void count_replayed_step();

    int64_t step_count() const { return host_ctrl_.step; }  // iterations completed
    double beta() const;  // beta the weights are projected with now (beta_t, t = step_count)
    double lr() const;    // learning rate of the next step
    const OptimConfig& config() const { return optim_; }
    const std::vector<Param>& params() const { return params_; }
    const Param& param(const std::string& name) const;
    const Param* find_param(const std::string& name) const;  // null when not stepped here
    ParamArena& arena() const { return *arena_; }
    Device device() const { return arena_->device(); }

    // Views (no copies) of one parameter's stored variable (weight-shaped, or [O*d, ...] for
    // simplex methods) and optimizer state; undefined when absent.
    Tensor stored(const std::string& name) const;
    Tensor first_moment(const std::string& name) const;   // Adam m or SGD momentum buffer
    Tensor second_moment(const std::string& name) const;  // Adam v

    // Replace the schedules from the next step on (re-projects when beta changes).
    void set_lr_schedule(const LrSchedule& s);
    void set_beta_schedule(const BetaSchedule& s);

    // ------------------------------------------------------------ hard quantization
    // Level codes (u8, weight-shaped) of a quantized parameter at the current beta.
    Tensor hard_codes(const std::string& name) const;
    HardSpec hard_spec(const Param& p) const;
    // Writes the hard-quantized weights of every quantized parameter into `values` (a tensor
    // shaped like the arena's values); float parameters are left alone.
    void write_hard_weights(const Tensor& values) const;
    // The factor of a parameter's level values in its hard weights: mean|u| for DoReFa k = 1
    // (sign(u) mean|u|), else 1. Reads the device.
    double hard_scale(const std::string& name) const;
    // Packed level codes of every quantized parameter the optimizer projects, in arena order,
    // on the device (the layer-quantized ones, EWGS, are exported from their layers:
    // optim/train/model_export.h).
    std::vector<std::pair<std::string, PackedTensor>> export_packed() const;

    // ------------------------------------------------------------ checkpoints
    OptimizerState state() const;
    // Restores a state from a QuantOptimizer with the same parameters and specs; re-projects.
    void load_state(const OptimizerState& s);

    // ------------------------------------------------------------ internals for tests, bench
    const MdStepLaunch& launch() const { return launch_; }
    Tensor control() const { return ctrl_dev_; }  // device bytes of the StepControl
    const StepControl& host_control() const { return host_ctrl_; }

  private:
    void layout_params(const QuantConfig& quant);
    void allocate_state();
    void initialize(const QuantConfig& quant);
    void build_launch();
    void upload_control();
    void rebase_schedules();  // scalars of the current step from the schedules, to the device
    // The tensors of one parameter's state with their checkpoint names (views).
    std::vector<std::pair<std::string, Tensor>> state_tensors(const Param& p) const;
    void refresh_stats();  // TensorStat values from the current stored variables
    Tensor slice_of(const Tensor& arena, int64_t offset, const Param& p, bool stored_shape) const;
    Shape stored_shape(const Param& p) const;

    ParamArena* arena_;
    OptimConfig optim_;
    std::vector<Param> params_;
    Tensor stored_, m_, v_;  // flat f32, 16-element aligned offsets
    Tensor stats_;           // one TensorStat value per parameter (when any method has one)
    int64_t stored_size_ = 0, state_size_ = 0;
    Tensor meta_dev_, chunks_dev_, ctrl_dev_;
    StepControl host_ctrl_;
    MdStepLaunch launch_{};
    MdStepLaunch post_{};  // the projection pass over the parameters with a TensorStat
    Tensor post_chunks_dev_;
    Tensor compute_seen_;                   // the arena's compute copy the launch was built for
    bool sync_compute_after_step_ = false;  // f16 compute copy: refreshed by a second pass
};

}  // namespace mdq
