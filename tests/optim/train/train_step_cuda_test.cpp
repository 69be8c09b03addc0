// TrainStep on a GPU: captured and replayed steps compute exactly the bits of eager ones, in
// bf16 and fp32. Skipped without a GPU.
#include "optim/train/train_step.h"

#include "kernels/conv/conv.h"
#include "kernels/fill/fill.h"
#include "optim/train/trainer.h"
#include "tests/optim/train/train_step_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using train_step_test::synthetic_run;

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
