// One training iteration of an Experiment: forward, cross-entropy, backward (with the
// data-parallel gradient averaging when there is one), and the fused optimizer step. The loss
// and the correct predictions are added into device accumulators, so a step never waits for
// the GPU. The trainer and `mdq bench train` share it.
//
// With `cuda_graph` (a CUDA device, one process) the step is captured once in a CUDA graph
// after `eager_steps` ordinary ones and then replayed: each run() copies the batch into
// tensors the graph reads and launches the graph, one call on the host instead of hundreds
// of kernel launches. StepGraphPolicy (optim/train/step_graph_policy.h) says when; the captured
// and the eager step compute the same bits.
#pragma once

#include <memory>

#include "core/cuda_graph.h"
#include "data/loader.h"
#include "optim/train/experiment.h"
#include "optim/train/step_graph_policy.h"

namespace mdq {

struct TrainStepOptions {
    bool cuda_graph = false;
    int64_t eager_steps = 3;  // ordinary steps before the capture (with cuda_graph)
};

// The options of the train config: cuda_graph.
TrainStepOptions train_step_options_from(const Config& cfg);

class TrainStep {
  public:
    explicit TrainStep(Experiment& ex, const TrainStepOptions& options = {});
    void run(const Tensor& images, const Tensor& labels);

    // Sums since the last reset (device tensors; reading them synchronises).
    const Tensor& loss_sum() const { return loss_sum_; }        // f64 scalar
    const Tensor& correct_sum() const { return correct_sum_; }  // i64 scalar
    int64_t steps() const { return steps_; }
    int64_t images() const { return images_; }
    void reset();

    // With cuda_graph: the decisions taken so far (null without).
    const StepGraphPolicy* graph_policy() const { return graph_ ? &graph_->policy : nullptr; }

  private:
    struct Graph {
        explicit Graph(int64_t eager_steps) : policy(eager_steps) {}
        StepGraphPolicy policy;
        CudaGraph graph;
        Tensor images, labels;  // what the captured step reads
    };
    void step(const Tensor& images, const Tensor& labels);
    void run_graphed(const Tensor& images, const Tensor& labels);
    void capture(const Tensor& images, const Tensor& labels);
    std::vector<uintptr_t> fingerprint() const;

    Experiment& ex_;
    Tensor loss_sum_, correct_sum_;
    int64_t steps_ = 0, images_ = 0;
    std::unique_ptr<Graph> graph_;
};

}  // namespace mdq
