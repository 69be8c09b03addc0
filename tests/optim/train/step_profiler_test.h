// A profiled training run on a device whose parts are positive and add up to less than the
// step, shared by step_profiler_test.cpp and step_profiler_cuda_test.cpp.
#pragma once

#include <string>

#include "optim/train/step_profiler.h"
#include "optim/train/train_step.h"
#include "optim/train/trainer.h"
#include "tests/testing/test_util.h"

namespace mdq::step_profiler_test {

inline void profile_training(const std::string& device) {
    Config cfg = make_train_config_from(
        "", {"model=lenet5", "device=" + device, "batch_size=32", "optimizer=sgd"});
    Experiment ex(cfg, Experiment::Synthetic{});
    TrainStep step(ex);
    StepProfiler prof(ex.device);
    step.run(ex.synthetic.images, ex.synthetic.labels);  // not installed: nothing recorded
    EXPECT_EQ(StepProfiler::active(), nullptr);
    const auto t0 = std::chrono::steady_clock::now();
    {
        StepProfiler::Scope on(prof);
        EXPECT_EQ(StepProfiler::active(), &prof);
        for (int i = 0; i < 3; ++i)
            step.run(ex.synthetic.images, ex.synthetic.labels);
    }
    const StepProfiler::Split ms = prof.take_ms();  // waits for the device
    const double total =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(StepProfiler::active(), nullptr);
    double sum = 0;
    for (double v : ms) {
        EXPECT_GT(v, 0.0);
        sum += v;
    }
    EXPECT_LT(sum, total);
}

}  // namespace mdq::step_profiler_test
