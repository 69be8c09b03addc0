// TrainStep: training on synthetic data, and graph setups that cannot work are clear errors. The
// graph policy: step_graph_policy_test.cpp; captured steps on a GPU: train_step_cuda_test.cpp.
#include "optim/train/train_step.h"

#include <cmath>

#include "optim/train/trainer.h"
#include "tests/optim/train/train_step_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;
using train_step_test::synthetic_run;

TEST(TrainStep, SyntheticDataTrains) {
    Experiment ex(synthetic_run("cpu", {"method=float"}), Experiment::Synthetic{});
    EXPECT_EQ(ex.synthetic.images.shape(), (Shape{16, 28, 28, 1}));
    EXPECT_EQ(ex.synthetic.labels.shape(), (Shape{16}));
    for (int64_t y : ex.synthetic.labels.to_vector<int64_t>()) {
        EXPECT_GE(y, 0);
        EXPECT_LT(y, 10);
    }
    EXPECT_FALSE(ex.train_loader);
    TrainStep step(ex);
    step.run(ex.synthetic.images, ex.synthetic.labels);
    const double first = step.loss_sum().item<double>();
    for (int i = 0; i < 30; ++i)
        step.run(ex.synthetic.images, ex.synthetic.labels);
    step.reset();
    step.run(ex.synthetic.images, ex.synthetic.labels);
    const double last = step.loss_sum().item<double>();
    EXPECT_TRUE(std::isfinite(last));
    EXPECT_LT(last, 0.5 * first);  // one fixed batch: memorised
    EXPECT_EQ(step.steps(), 1);
    EXPECT_EQ(step.images(), 16);
    EXPECT_EQ(step.graph_policy(), nullptr);
}

TEST(TrainStep, GraphSetupsThatCannotWorkAreClearErrors) {
    Experiment ex(synthetic_run("cpu"), Experiment::Synthetic{});
    TrainStepOptions o;
    o.cuda_graph = true;
    EXPECT_TRUE(throws_with([&] { TrainStep s(ex, o); }, {"cuda_graph: needs a CUDA device"}));
    EXPECT_TRUE(throws_with(
        [] {
            Config cfg = synthetic_run("cpu", {"cuda_graph=true", "dataset=fashion-mnist"});
            Experiment e(cfg);
        },
        {"cuda_graph=true needs drop_last=true"}));
}

// Two identical experiments, one eager and one captured after two eager steps, fed the same
// alternating batches: every parameter, optimizer state, statistic and metric is bitwise equal.
}  // namespace
}  // namespace mdq
