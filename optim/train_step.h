// One training iteration of an Experiment: forward, cross-entropy, backward (with the
// data-parallel gradient averaging when there is one), and the fused optimizer step. The loss
// and the correct predictions are added into device accumulators, so a step never waits for
// the GPU. The trainer and `mdq bench train` share it.
#pragma once

#include "data/loader.h"
#include "optim/experiment.h"

namespace mdq {

class TrainStep {
  public:
    explicit TrainStep(Experiment& ex);
    void run(const Tensor& images, const Tensor& labels);

    // Sums since the last reset (device tensors; reading them synchronises).
    const Tensor& loss_sum() const { return loss_sum_; }        // f64 scalar
    const Tensor& correct_sum() const { return correct_sum_; }  // i64 scalar
    int64_t steps() const { return steps_; }
    int64_t images() const { return images_; }
    void reset();

  private:
    Experiment& ex_;
    Tensor loss_sum_, correct_sum_;
    int64_t steps_ = 0, images_ = 0;
};

}  // namespace mdq
