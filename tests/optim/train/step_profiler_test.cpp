// StepProfiler: what counts as convolution and batch norm, nested spans counted once, nothing
// recorded when not installed, and a profiled training step on the CPU clock (CUDA events:
// step_profiler_cuda_test.cpp) whose parts are positive and add up to less than the step.
#include "optim/train/step_profiler.h"

#include <thread>

#include "layers/batch_norm.h"
#include "layers/conv2d.h"
#include "layers/linear.h"
#include "tests/optim/train/step_profiler_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using step_profiler_test::profile_training;

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

TEST(StepProfiler, SplitsATrainingStep) {
    profile_training("cpu");
}

}  // namespace
}  // namespace mdq
