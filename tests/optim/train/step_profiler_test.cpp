// StepProfiler: what counts as convolution and batch norm, nested spans counted once, nothing
// recorded when not installed, and a profiled training step (CPU clock; CUDA events on a GPU)
// whose parts are positive and add up to less than the step.
#include "optim/train/step_profiler.h"

#include <thread>

#include "layers/batch_norm.h"
#include "layers/conv2d.h"
#include "layers/linear.h"
#include "optim/train/train_step.h"
#include "optim/train/trainer.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

TEST(StepProfiler, PartsOfModules) {
    StepPart p = StepPart::Optimizer;
    EXPECT_TRUE(step_part_of(Conv2d(Conv2dOptions(3, 4, 3)), p));
    EXPECT_EQ(p, StepPart::Conv);
    EXPECT_TRUE(step_part_of(BatchNorm2d(BatchNormOptions(4)), p));
    EXPECT_EQ(p, StepPart::BatchNorm);
    EXPECT_TRUE(step_part_of(BatchNorm1d(BatchNormOptions(4)), p));
    EXPECT_FALSE(step_part_of(Linear(4, 2), p));
    EXPECT_STREQ(step_part_name(StepPart::BatchNorm), "batch_norm");
}

TEST(StepProfiler, NestedSpansCountOnceAndTakeResets) {
    StepProfiler prof(Device::cpu());
    prof.begin(StepPart::Optimizer);
    prof.begin(StepPart::Conv);  // inside: counted in the outer span
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    prof.end();
    prof.end();
    prof.end();  // unmatched: ignored
    const StepProfiler::Split ms = prof.take_ms();
    EXPECT_GE(ms[static_cast<size_t>(StepPart::Optimizer)], 15.0);
    EXPECT_EQ(ms[static_cast<size_t>(StepPart::Conv)], 0.0);
    EXPECT_EQ(prof.take_ms()[static_cast<size_t>(StepPart::Optimizer)], 0.0);
}

void profile_training(const std::string& device) {
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

TEST(StepProfiler, SplitsATrainingStep) {
    profile_training("cpu");
}

TEST(StepProfilerCuda, SplitsATrainingStepWithEvents) {
    MDQ_SKIP_IF_NO_CUDA();
    profile_training("cuda");
}

}  // namespace
}  // namespace mdq
