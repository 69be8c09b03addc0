// prune=taylor from the training config: bad values are clear errors, the gates after the batch
// norms give the criterion's dE/dz, and pruned channels stay zero (gate, conv weight and bias,
// batch-norm scale, shift and running mean, optimizer moments) over many steps while the rest
// trains. The pruner's ranking: taylor_prune_test.cpp; the trainer end to end: trainer_test.cpp.
#include "optim/train/taylor_training.h"

#include "kernels/ops.h"
#include "optim/train/train_step.h"
#include "tests/optim/train/train_step_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;
using train_step_test::synthetic_run;

Config pruned_run(std::vector<std::string> extra) {
    std::vector<std::string> sets = {"model=small-cnn", "affine_bn=true", "prune=taylor"};
    sets.insert(sets.end(), extra.begin(), extra.end());
    return synthetic_run("cpu", sets);
}

TEST(TaylorTraining, RefusesBadValues) {
    const auto build = [](const Config& cfg) {
        return [cfg] { Experiment ex(cfg, Experiment::Synthetic{}); };
    };
    EXPECT_TRUE(throws_with(build(synthetic_run("cpu", {"prune=l1"})),
                            {"prune must be none or taylor", "'l1'"}));
    // small-cnn gates 16 + 32 + 128 channels; one must stay in each layer.
    EXPECT_TRUE(throws_with(build(pruned_run({"prune_max=174"})),
                            {"prune_max 174 would prune every channel", "at most 173"}));
    EXPECT_TRUE(throws_with(build(pruned_run({"prune_interval=0"})), {"prune_interval must be"}));
    EXPECT_TRUE(throws_with(build(pruned_run({"prune_momentum=1"})), {"prune_momentum"}));
    EXPECT_TRUE(throws_with(build(pruned_run({"prune_per_round=0"})), {"prune_per_round must be"}));
    EXPECT_TRUE(throws_with(build(pruned_run({"method=bsq"})), {"not with method=bsq"}));
}

TEST(TaylorTraining, GateGradientIsTheCriterionsDerivative) {
    Experiment ex(pruned_run({"prune_max=0"}), Experiment::Synthetic{});
    auto* bn = dynamic_cast<BatchNorm*>(ex.model->named_modules()[2].second);
    ASSERT_NE(bn, nullptr);
    ASSERT_TRUE(bn->gate().defined());
    ex.arena->zero_grad();
    cross_entropy((*ex.model)(ex.synthetic.images), ex.synthetic.labels).backward();
    const std::vector<float> g = bn->gate().grad().to_vector<float>();
    // dE/dz_c by central differences of the loss in the gate value.
    const auto loss_at = [&](int64_t c, float z) {
        NoGradGuard no_grad;
        bn->gate().slice(0, c, c + 1).fill_(z);
        const double l =
            cross_entropy((*ex.model)(ex.synthetic.images), ex.synthetic.labels).item<double>();
        bn->gate().slice(0, c, c + 1).fill_(1.0);
        return l;
    };
    const float h = 1e-3f;
    for (int64_t c : {0, 5, 15}) {
        const double fd = (loss_at(c, 1 + h) - loss_at(c, 1 - h)) / (2 * h);
        EXPECT_NEAR(g[static_cast<size_t>(c)], fd, 2e-3 + 2e-2 * std::abs(fd)) << "channel " << c;
    }
}

// Batch norms tied by a residual add share one gate tensor: its gradient sums their uses and a
// pruned channel is removed from every block of the stream at once.
TEST(TaylorTraining, ResidualStreamSharesOneGate) {
    Experiment ex(synthetic_run("cpu", {"model=resnet18-cifar", "prune=taylor", "prune_max=0"}),
                  Experiment::Synthetic{});
    std::map<std::string, BatchNorm*> bns;
    for (auto& [name, m] : ex.model->named_modules())
        if (auto* bn = dynamic_cast<BatchNorm*>(m)) bns[name] = bn;
    const Tensor& stem = bns.at("bn1")->gate();
    ASSERT_TRUE(stem.defined());
    EXPECT_EQ(bns.at("layer1.1.bn2")->gate().raw_data(), stem.raw_data());
    EXPECT_EQ(bns.at("layer2.0.downsample.1")->gate().raw_data(),
              bns.at("layer2.1.bn2")->gate().raw_data());
    EXPECT_NE(bns.at("layer1.0.bn1")->gate().raw_data(), stem.raw_data());
    const TaylorPruner& p = ex.prune->pruner();
    ASSERT_EQ(p.groups().size(), 12u);
    EXPECT_EQ(p.groups()[0].name, "bn1");
    EXPECT_EQ(p.groups()[0].sharing, 3);  // the criterion is divided by the blocks sharing it
    EXPECT_EQ(ex.prune->table()["gated"].get<int64_t>(),
              64 + 128 + 256 + 512 + 2 * (64 + 128 + 256 + 512));
}

TEST(TaylorTraining, PrunedChannelsStayZeroWhileTheRestTrains) {
    Experiment ex(pruned_run({"prune_interval=3", "prune_per_round=4", "prune_max=10"}),
                  Experiment::Synthetic{});
    ASSERT_TRUE(ex.prune);
    TrainStep step(ex);
    for (int i = 0; i < 30; ++i)
        step.run(ex.synthetic.images, ex.synthetic.labels);
    const TaylorPruner& p = ex.prune->pruner();
    EXPECT_EQ(p.pruned(), 10);  // rounds at 3, 6, 9: 4 + 4 + 2
    const nlohmann::json t = ex.prune->table();
    EXPECT_EQ(t["pruned"].get<int64_t>(), 10);
    EXPECT_EQ(t["gated"].get<int64_t>(), 16 + 32 + 128);
    // Every pruned channel of bn1 (fed by conv1): all its state is zero.
    const std::vector<uint8_t>& m1 = p.masks()[0];
    const auto zero_where_pruned = [&](const Tensor& t, const std::string& what) {
        const Tensor c = t.contiguous();
        const std::vector<float> v = c.to_vector<float>();
        const int64_t per = c.numel() / c.size(0);
        for (size_t ch = 0; ch < m1.size(); ++ch) {
            if (m1[ch]) continue;
            for (int64_t k = 0; k < per; ++k)
                EXPECT_EQ(v[ch * static_cast<size_t>(per) + static_cast<size_t>(k)], 0.f)
                    << what << ch;
        }
    };
    for (const char* name : {"conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias"}) {
        const ParamArena::Slot& s = ex.arena->slot(name);
        zero_where_pruned(ex.arena->values().slice(0, s.offset, s.offset + s.numel).view(s.shape),
                          name);
        zero_where_pruned(ex.opt->first_moment(name).view(s.shape), std::string(name) + " m ");
    }
    auto* bn1 = dynamic_cast<BatchNorm*>(ex.model->named_modules()[2].second);
    zero_where_pruned(bn1->gate(), "gate ");
    for (auto& [b, t] : bn1->named_buffers())
        if (b == "running_mean") zero_where_pruned(*t, "running_mean ");
    // The live channels kept training: the loss fell on the fixed batch.
    step.reset();
    step.run(ex.synthetic.images, ex.synthetic.labels);
    EXPECT_LT(step.loss_sum().item<double>(), 2.0);
}

TEST(TaylorTraining, SimplexMethodsPruneThroughTheGate) {
    Experiment ex(
        pruned_run({"method=md-softmax-s", "prune_interval=3", "prune_per_round=2", "prune_max=4"}),
        Experiment::Synthetic{});
    TrainStep step(ex);
    for (int i = 0; i < 6; ++i)
        step.run(ex.synthetic.images, ex.synthetic.labels);
    EXPECT_EQ(ex.prune->pruner().pruned(), 4);
    int64_t closed = 0;
    for (auto& [name, m] : ex.model->named_modules())
        if (auto* bn = dynamic_cast<BatchNorm*>(m))
            for (float z : bn->gate().to_vector<float>())
                closed += z == 0.f;
    EXPECT_EQ(closed, 4);
}

}  // namespace
}  // namespace mdq
