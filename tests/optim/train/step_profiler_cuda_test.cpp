// StepProfiler on a GPU: a training step split with CUDA events. Skipped without a GPU.
#include "tests/optim/train/step_profiler_test.h"

namespace mdq {
namespace {

using step_profiler_test::profile_training;

TEST(StepProfilerCuda, SplitsATrainingStepWithEvents) {
    MDQ_SKIP_IF_NO_CUDA();
    profile_training("cuda");
}

}  // namespace
}  // namespace mdq
