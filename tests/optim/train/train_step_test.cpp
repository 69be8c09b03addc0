// TrainStep: training on synthetic data, the CUDA-graph policy (CPU: when a step runs eagerly,
// is captured or replayed, and what stops a replay), and on a GPU that captured and replayed
// steps compute exactly the bits of eager ones.
#include "optim/train/train_step.h"

#include <cmath>

#include "kernels/conv/conv.h"
#include "kernels/fill/fill.h"
#include "optim/train/trainer.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;
using Action = StepGraphPolicy::Action;

Config synthetic_run(const std::string& device, std::vector<std::string> extra = {}) {
    std::vector<std::string> sets = {"model=lenet5",  "device=" + device, "batch_size=16",
                                     "optimizer=sgd", "lr=0.05",          "iterations=1000",
                                     "seed=7"};
    sets.insert(sets.end(), extra.begin(), extra.end());
    return make_train_config_from("", sets);
}

TEST(StepGraphPolicy, EagerStepsThenOneCaptureThenReplays) {
    StepGraphPolicy p(2);
    const Shape x{8, 4, 4, 3}, y{8};
    const std::vector<uintptr_t> print{1, 2, 3};
    EXPECT_EQ(p.next(x, y, print), Action::Eager);
    EXPECT_EQ(p.next(x, y, print), Action::Eager);
    EXPECT_EQ(p.next(x, y, print), Action::Capture);
    EXPECT_EQ(p.next(x, y, print), Action::Capture);  // until a capture succeeds
    p.captured(x, y, print);
    EXPECT_EQ(p.next(x, y, print), Action::Replay);
    EXPECT_EQ(p.next(x, y, print), Action::Replay);
    EXPECT_EQ(p.captures(), 1);
    EXPECT_EQ(p.replays(), 2);
}

TEST(StepGraphPolicy, AMovedAddressRecapturesAndANewShapeIsAnError) {
    StepGraphPolicy p(1);
    const Shape x{8, 4, 4, 3}, y{8};
    EXPECT_EQ(p.next(x, y, {1, 2}), Action::Eager);
    EXPECT_EQ(p.next(x, y, {1, 2}), Action::Capture);
    p.captured(x, y, {1, 2});
    EXPECT_EQ(p.next(x, y, {1, 3}), Action::Capture);
    p.captured(x, y, {1, 3});
    EXPECT_EQ(p.next(x, y, {1, 3}), Action::Replay);
    EXPECT_EQ(p.captures(), 2);
    EXPECT_TRUE(throws_with(
        [&] {
            p.next({5, 4, 4, 3}, {5}, {1, 3});
        },
        {"the batch changed", "[8, 4, 4, 3]", "[5, 4, 4, 3]", "drop_last"}));
    EXPECT_TRUE(throws_with([] { StepGraphPolicy bad(0); }, {"at least one eager step"}));
}

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
TEST(TrainStepCuda, CapturedStepsEqualEagerStepsBitwise) {
    MDQ_SKIP_IF_NO_CUDA();
    set_conv_deterministic(true);  // atomics in some backward-filter algorithms would differ
    const std::vector<std::string> cases[] = {{"precision=bf16", "optimizer=sgd"},
                                              {"precision=fp32", "optimizer=adam"}};
    for (const std::vector<std::string>& extra : cases) {
        SCOPED_TRACE(extra[0] + " " + extra[1]);
        const Config cfg = synthetic_run("cuda", extra);
        Experiment eager(cfg, Experiment::Synthetic{}), graphed(cfg, Experiment::Synthetic{});
        TrainStepOptions o;
        o.cuda_graph = true;
        o.eager_steps = 2;
        TrainStep a(eager), b(graphed, o);
        const Device dev = eager.device;
        const Tensor x2 = normal(eager.synthetic.images.shape(), 0, 1, DType::F32, dev);
        const Tensor y2 = Tensor::from_vector<int64_t>(std::vector<int64_t>(16, 3), {16}, dev);
        for (int t = 0; t < 7; ++t) {
            const bool odd = t % 2 == 1;
            const Tensor& x = odd ? x2 : eager.synthetic.images;
            const Tensor& y = odd ? y2 : eager.synthetic.labels;
            a.run(x, y);
            b.run(x.clone(), y.clone());  // the graph copies its inputs in
        }
        ASSERT_NE(b.graph_policy(), nullptr);
        EXPECT_EQ(b.graph_policy()->captures(), 1);
        EXPECT_EQ(b.graph_policy()->replays(), 4);
        EXPECT_TRUE(testing::all_equal(graphed.arena->values(), eager.arena->values()));
        EXPECT_TRUE(testing::all_equal(graphed.arena->grads(), eager.arena->grads()));
        EXPECT_TRUE(testing::all_equal(b.loss_sum(), a.loss_sum()));
        EXPECT_TRUE(testing::all_equal(b.correct_sum(), a.correct_sum()));
        const auto bufs_a = eager.model->named_buffers(), bufs_b = graphed.model->named_buffers();
        ASSERT_EQ(bufs_a.size(), bufs_b.size());
        for (size_t i = 0; i < bufs_a.size(); ++i)
            EXPECT_TRUE(testing::all_equal(*bufs_b[i].second, *bufs_a[i].second))
                << bufs_a[i].first;
        const OptimizerState sa = eager.opt->state(), sb = graphed.opt->state();
        for (const auto& [name, t] : sa.tensors)
            EXPECT_TRUE(testing::all_equal(sb.tensors.at(name), t)) << name;
        EXPECT_EQ(sb.scalars, sa.scalars);
        EXPECT_TRUE(testing::all_equal(graphed.opt->control(), eager.opt->control()));
    }
    set_conv_deterministic(false);
}

}  // namespace
}  // namespace mdq
