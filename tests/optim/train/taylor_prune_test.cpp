// Taylor pruning (optim/train/taylor_prune.h): the gate gradient equals dE/dz by finite
// differences on a tiny model, rounds average, smooth and rank globally, shared gates are
// normalised by their sharing count, one channel always stays, the state round-trips, and bad
// settings are refused.
#include "optim/train/taylor_prune.h"

#include <cmath>

#include "kernels/elementwise/binary.h"
#include "kernels/elementwise/unary.h"
#include "kernels/matmul/matmul.h"
#include "kernels/reduce/reduce.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

// E(z) = sum(tanh(gate(x W^T, z) reshaped [N, C, 2]) * t): a gate z_c on every channel.
double loss_with_gate(const Tensor& x, const Tensor& w, const Tensor& t, const Tensor& z) {
    const Tensor y = matmul(x, w, false, true).view({4, 3, 2});
    return sum(mul(tanh(mul(y, z.view({1, 3, 1}))), t)).item<float>();
}

TEST(TaylorPrune, GateGradientMatchesFiniteDifferences) {
    const Tensor x = testing::random_tensor({4, 5}, 1), w = testing::random_tensor({6, 5}, 2),
                 t = testing::random_tensor({4, 3, 2}, 3);
    // Autograd: dE/dy at z = 1.
    Tensor y = matmul(x, w, false, true).view({4, 3, 2}).detach().set_requires_grad(true);
    sum(mul(tanh(y), t)).backward();
    const std::vector<float> g = gate_gradient(y.detach(), y.grad()).to_vector<float>();
    ASSERT_EQ(g.size(), 3u);
    const double h = 1e-2;
    for (int c = 0; c < 3; ++c) {
        std::vector<float> up(3, 1.f), down(3, 1.f);
        up[static_cast<size_t>(c)] += static_cast<float>(h);
        down[static_cast<size_t>(c)] -= static_cast<float>(h);
        const double fd = (loss_with_gate(x, w, t, Tensor::from_vector(up, {3})) -
                           loss_with_gate(x, w, t, Tensor::from_vector(down, {3}))) /
                          (2 * h);
        EXPECT_NEAR(g[static_cast<size_t>(c)], fd, 2e-3 * (1 + std::abs(fd))) << c;
    }
}

TaylorOptions opts(int interval, int per_round, int64_t max, double momentum = 0) {
    TaylorOptions o;
    o.interval = interval;
    o.per_round = per_round;
    o.max = max;
    o.momentum = momentum;
    return o;
}

TEST(TaylorPrune, RanksGloballyAfterAveragingTheRound) {
    TaylorPruner p({{"a", 3, 1}, {"b", 2, 1}}, opts(2, 2, 3));
    // Criterion = square of the gate gradient, averaged over the 2 iterations of the round.
    p.accumulate(0, Tensor::from_vector<float>({3, 1, 5}, {3}));
    p.accumulate(1, Tensor::from_vector<float>({2, 4}, {2}));
    EXPECT_TRUE(p.end_iteration().empty());
    p.accumulate(0, Tensor::from_vector<float>({1, 1, 1}, {3}));
    p.accumulate(1, Tensor::from_vector<float>({0, 4}, {2}));
    const auto removed = p.end_iteration();
    EXPECT_DOUBLE_EQ(p.importance()[0][0], (9 + 1) / 2.0);
    EXPECT_DOUBLE_EQ(p.importance()[1][0], (4 + 0) / 2.0);
    // Candidates: a0 = 5, a1 = 1, b0 = 2 (a2 and b1 are their groups' strongest).
    ASSERT_EQ(removed.size(), 2u);
    EXPECT_EQ(removed[0], (std::pair<size_t, int64_t>{0, 1}));
    EXPECT_EQ(removed[1], (std::pair<size_t, int64_t>{1, 0}));
    EXPECT_EQ(p.pruned(), 2);
    EXPECT_EQ(p.masks()[1], (std::vector<uint8_t>{0, 1}));
}

TEST(TaylorPrune, SharedGatesAreNormalisedAndOneChannelStays) {
    // Stage gates shared by 4 blocks: criterion 4x a plain layer's is worth the same.
    TaylorPruner p({{"stage", 2, 4}, {"conv", 2, 1}}, opts(1, 1, 2));
    p.accumulate(0, Tensor::from_vector<float>({2.0f * 3.0f, 100}, {2}));  // 36 / 4 = 9
    p.accumulate(1, Tensor::from_vector<float>({std::sqrt(10.f), 100}, {2}));
    EXPECT_DOUBLE_EQ(p.importance()[0][0], 0);  // nothing averaged before the round
    const auto r1 = p.end_iteration();
    EXPECT_NEAR(p.importance()[0][0], 9.0, 1e-9);
    ASSERT_EQ(r1.size(), 1u);
    EXPECT_EQ(r1[0], (std::pair<size_t, int64_t>{0, 0}));
    // Next round: the stage has one live gate left, so only "conv" can lose one.
    p.accumulate(0, Tensor::from_vector<float>({0, 0}, {2}));
    p.accumulate(1, Tensor::from_vector<float>({5, 1}, {2}));
    const auto r2 = p.end_iteration();
    ASSERT_EQ(r2.size(), 1u);
    EXPECT_EQ(r2[0], (std::pair<size_t, int64_t>{1, 1}));
    // prune_max reached: further rounds remove nothing.
    p.accumulate(1, Tensor::from_vector<float>({5, 1}, {2}));
    EXPECT_TRUE(p.end_iteration().empty());
}

TEST(TaylorPrune, MomentumSmoothsAcrossRounds) {
    TaylorPruner p({{"a", 2, 1}}, opts(1, 1, 0, 0.5));
    p.accumulate(0, Tensor::from_vector<float>({2, 0}, {2}));
    p.end_iteration();
    p.accumulate(0, Tensor::from_vector<float>({0, 0}, {2}));
    p.end_iteration();
    EXPECT_DOUBLE_EQ(p.importance()[0][0], 0.5 * 4);
}

TEST(TaylorPrune, StateRoundTrips) {
    TaylorPruner p({{"a", 3, 1}}, opts(2, 1, 2, 0.9));
    p.accumulate(0, Tensor::from_vector<float>({1, 2, 3}, {3}));
    p.end_iteration();
    p.accumulate(0, Tensor::from_vector<float>({1, 2, 3}, {3}));
    p.end_iteration();
    p.accumulate(0, Tensor::from_vector<float>({4, 0, 1}, {3}));
    TaylorPruner q({{"a", 3, 1}}, opts(2, 1, 2, 0.9));
    q.load_state(p.state());
    EXPECT_EQ(q.state(), p.state());
    // Both continue identically.
    EXPECT_EQ(q.end_iteration(), p.end_iteration());
    EXPECT_EQ(q.masks(), p.masks());
    TaylorPruner other({{"a", 4, 1}}, opts(2, 1, 2));
    EXPECT_TRUE(throws_with([&] { other.load_state(p.state()); }, {"different model"}));
}

TEST(TaylorPrune, RefusesBadSettings) {
    EXPECT_TRUE(throws_with(
        [] {
            TaylorPruner({{"a", 3, 1}}, opts(1, 1, 3));
        },
        {"prune_max 3", "every channel", "at most 2"}));
    EXPECT_TRUE(throws_with(
        [] {
            TaylorPruner({{"a", 3, 1}}, opts(0, 1, 1));
        },
        {"prune_interval"}));
    EXPECT_TRUE(throws_with(
        [] {
            TaylorPruner({{"a", 3, 1}}, opts(1, 0, 1));
        },
        {"prune_per_round"}));
    EXPECT_TRUE(throws_with(
        [] {
            TaylorPruner({{"a", 3, 1}}, opts(1, 1, 1, 1.0));
        },
        {"prune_momentum"}));
    EXPECT_TRUE(throws_with([] { TaylorPruner({}, opts(1, 1, 0)); }, {"no batch norm"}));
    TaylorPruner p({{"a", 3, 1}}, opts(1, 1, 1));
    EXPECT_TRUE(throws_with([&] { p.accumulate(0, Tensor::zeros({2})); }, {"3 gates"}));
}

}  // namespace
}  // namespace mdq
