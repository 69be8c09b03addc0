// Where the time of a training step goes (`mdq bench train`): convolution, batch norm, the
// optimizer step, and the rest. While a StepProfiler is installed on a thread it hears about
// every module forward (as the ModuleTracer) and every autograd node (as the
// BackwardObserver); the forwards of Conv2d and batch-norm modules, their backward nodes and
// the optimizer step (TrainStep opens that span) are timed with CUDA events on the device's
// current stream, or with the host clock on the CPU. Nothing is installed by default, and
// then each hook costs one thread-local pointer test.
//
//   StepProfiler prof(device);
//   {
//       StepProfiler::Scope on(prof);
//       for (int i = 0; i < n; ++i) step.run(x, y);
//   }
//   const StepProfiler::Split ms = prof.take_ms();  // waits for the device, then resets
//
// Each span costs two event records on the GPU, so time profiled steps in windows of their
// own, never the ones whose images/s is reported.
#pragma once

#include <array>
#include <chrono>
#include <vector>

#include "core/autograd.h"
#include "core/stream.h"
#include "layers/module.h"

namespace mdq {

enum class StepPart : int { Conv, BatchNorm, Optimizer };
constexpr int kStepParts = 3;
const char* step_part_name(StepPart p);  // "conv", "batch_norm", "optimizer"

// The part a module's forward or a backward node belongs to; false for the rest.
bool step_part_of(const Module& m, StepPart& part);
bool step_part_of(const Node& n, StepPart& part);

class StepProfiler final : public ModuleTracer, public BackwardObserver {
  public:
    using Split = std::array<double, kStepParts>;  // milliseconds, indexed by StepPart

    explicit StepProfiler(Device device);

    // A span of part p. A span opened inside another counts in the outer one only; an end()
    // with no span open (one opened before the last take_ms()) is ignored.
    void begin(StepPart p);
    void end();
    // Milliseconds per part since the last call (synchronises with the device); then resets.
    Split take_ms();

    void on_forward_begin(const Module& m, const Tensor& in) override;
    void on_forward(const Module& m, const Tensor& in, const Tensor& out) override;
    void on_node_begin(const Node& node) override;
    void on_node_end(const Node& node) override;

    // The profiler installed on this thread, or null.
    static StepProfiler* active();

    // Installs `p` as this thread's profiler, module tracer and backward observer for the
    // scope; the previous ones come back at its end.
    class Scope {
      public:
        explicit Scope(StepProfiler& p);
        ~Scope();
        Scope(const Scope&) = delete;
        Scope& operator=(const Scope&) = delete;

      private:
        StepProfiler* prev_profiler_;
        ModuleTracer* prev_tracer_;
        BackwardObserver* prev_observer_;
    };

  private:
    struct Open {
        StepPart part;
        size_t first_event;  // GPU: the event recorded at the start
        std::chrono::steady_clock::time_point start;
    };
    struct Closed {
        StepPart part;
        size_t first_event;  // GPU: start and end events are first_event and first_event + 1
    };
    Event& next_event();

    Device device_;
    int depth_ = 0;  // spans open; only the outermost is timed
    Open open_{};
    std::vector<Event> events_;  // reused from window to window
    size_t events_used_ = 0;
    std::vector<Closed> closed_;  // GPU spans of the window, read by take_ms()
    Split host_ms_{};             // CPU spans of the window
};

}  // namespace mdq
