// Autograd semantics: accumulation, graph reuse, retain_graph, no-grad, errors.
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::throws_with;

Tensor leaf(std::vector<float> v, Shape s) {
    Tensor t = Tensor::from_vector(v, s);
    t.set_requires_grad(true);
    return t;
}

TEST(Autograd, ChainRuleThroughSharedInput) {
    // y = x*x + 3x -> dy/dx = 2x + 3 (x is used by two consumers)
    Tensor x = leaf({1, -2}, {2});
    Tensor y = sum(x * x + x * 3.0);
    y.backward();
    EXPECT_EQ(x.grad().to_vector<float>(), (std::vector<float>{5, -1}));
}

TEST(Autograd, GradientsAccumulateAcrossBackwardCalls) {
    Tensor x = leaf({1, 2}, {2});
    sum(x * 2.0).backward();
    sum(x * 3.0).backward();
    EXPECT_EQ(x.grad().to_vector<float>(), (std::vector<float>{5, 5}));
    // A preset gradient is added to, not replaced (in place, so views into arenas work).
    Tensor z = leaf({1}, {1});
    Tensor g0 = Tensor::full({1}, 9.0);
    z.set_grad(g0);
    sum(z * 4.0).backward();
    EXPECT_EQ(g0.item<float>(), 13.0f);
    EXPECT_TRUE(z.grad().is_same(g0));
}

TEST(Autograd, SecondBackwardNeedsRetainGraph) {
    Tensor x = leaf({1, 2}, {2});
    Tensor y = sum(x * x);
    y.backward(Tensor(), /*retain_graph=*/true);
    y.backward();
    EXPECT_EQ(x.grad().to_vector<float>(), (std::vector<float>{4, 8}));
    EXPECT_TRUE(throws_with([&] { y.backward(); }, {"second time", "mul", "retain_graph=true"}));
}

TEST(Autograd, BackwardOnTensorWithoutGradIsAnError) {
    Tensor x = Tensor::ones({2});
    EXPECT_TRUE(throws_with([&] { sum(x).backward(); }, {"does not require grad"}));
    Tensor w = leaf({1, 2}, {2});
    EXPECT_TRUE(throws_with([&] { (w * 2.0).backward(); }, {"one-element outputs", "f32[2]"}));
    EXPECT_TRUE(
        throws_with([&] { (w * 2.0).backward(Tensor::ones({3})); }, {"gradient shape [3]"}));
}

TEST(Autograd, NoGradGuardRecordsNothing) {
    Tensor x = leaf({1}, {1});
    Tensor y;
    {
        NoGradGuard g;
        y = x * 2.0;
        EXPECT_FALSE(grad_enabled());
    }
    EXPECT_TRUE(grad_enabled());
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(y.grad_fn(), nullptr);
}

TEST(Autograd, SavedTensorsAreFreedAfterBackward) {
    Tensor x = leaf({1, 2}, {2});
    std::weak_ptr<Storage> saved_y;
    Tensor loss;
    {
        Tensor y = tanh(x);  // the tanh node saves y
        saved_y = y.storage();
        loss = sum(y);
    }
    EXPECT_FALSE(saved_y.expired());
    loss.backward();
    EXPECT_TRUE(saved_y.expired());
}

TEST(Autograd, DetachCutsHistory) {
    Tensor x = leaf({3}, {1});
    Tensor y = (x * 2.0).detach();
    EXPECT_FALSE(y.requires_grad());
    EXPECT_TRUE(y.is_leaf());
    y.set_requires_grad(true);  // a new leaf: gradients stop here
    sum(y * x).backward();
    EXPECT_EQ(y.grad().item<float>(), 3.0f);
    EXPECT_EQ(x.grad().item<float>(), 6.0f);
}

TEST(Autograd, ViewsPropagateGradients) {
    Tensor x = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
    Tensor y = x.permute({1, 0}).slice(0, 1, 3).reshape({4});
    sum(y * Tensor::from_vector<float>({1, 2, 3, 4}, {4})).backward();
    // y = [x01, x11, x02, x12] weighted 1..4
    EXPECT_EQ(x.grad().to_vector<float>(), (std::vector<float>{0, 1, 3, 0, 2, 4}));
}

TEST(Autograd, BroadcastGradientsAreSummed) {
    Tensor a = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
    Tensor b = leaf({10, 20, 30}, {3});
    Tensor c = leaf({2}, {});
    sum((a + b) * c).backward();
    EXPECT_EQ(b.grad().to_vector<float>(), (std::vector<float>{4, 4, 4}));
    EXPECT_EQ(c.grad().item<float>(), 21.0f + 2 * 60.0f);
    EXPECT_EQ(a.grad().to_vector<float>(), std::vector<float>(6, 2));
}

TEST(Autograd, DeepChainDoesNotOverflowTheStack) {
    Tensor x = leaf({1}, {1});
    Tensor y = x;
    for (int i = 0; i < 20000; ++i)
        y = y + 0.0;
    sum(y).backward();
    EXPECT_EQ(x.grad().item<float>(), 1.0f);
}

TEST(Autograd, OnlyLeavesCanChangeRequiresGrad) {
    Tensor x = leaf({1}, {1});
    Tensor y = x * 2.0;
    EXPECT_TRUE(throws_with([&] { y.set_requires_grad(false); }, {"only leaf tensors"}));
    EXPECT_TRUE(throws_with([] { Tensor::zeros({1}, DType::I64).set_requires_grad(true); },
                            {"only floating tensors"}));
}

TEST(Autograd, InPlaceAddOnGradTensorIsRejected) {
    Tensor x = leaf({1}, {1});
    EXPECT_TRUE(throws_with([&] { add_(x, Tensor::ones({1})); }, {"add_", "NoGradGuard"}));
    NoGradGuard g;
    add_(x, Tensor::ones({1}));
    EXPECT_EQ(x.item<float>(), 2.0f);
}

}  // namespace
}  // namespace mdq

namespace mdq {
namespace {

TEST(Autograd, PostAccumulateHooksSeeTheFinalGradient) {
    Tensor x = Tensor::from_vector<float>({1, 2}, {2}).set_requires_grad(true);
    std::vector<float> seen;
    int calls = 0;
    add_post_accumulate_hook(x, [&](const Tensor& g) {
        ++calls;
        seen = g.to_vector<float>();
    });
    // x feeds two consumers: the hook runs once, after both contributions are summed.
    sum(x * 2.0 + x * 3.0).backward();
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(seen, (std::vector<float>{5, 5}));
    clear_post_accumulate_hooks(x);
    sum(x).backward();
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(testing::throws_with(
        [&] { add_post_accumulate_hook(x * 2.0, [](const Tensor&) {}); }, {"not a leaf"}));
}

// Each node the engine runs is reported once, begin before end, and only while installed.
TEST(Autograd, BackwardObserverSeesEveryNode) {
    struct Recorder final : BackwardObserver {
        std::vector<std::string> events;
        void on_node_begin(const Node& n) override {
            events.push_back(std::string("+") + n.name());
        }
        void on_node_end(const Node& n) override { events.push_back(std::string("-") + n.name()); }
    } rec;
    Tensor x = Tensor::from_vector<float>({1, 2}, {2}).set_requires_grad(true);
    BackwardObserver* prev = set_backward_observer(&rec);
    sum(x * 2.0).backward();
    EXPECT_EQ(set_backward_observer(prev), &rec);
    ASSERT_EQ(rec.events.size(), 6u);  // sum, mul, AccumulateGrad
    for (size_t i = 0; i < rec.events.size(); i += 2) {
        EXPECT_EQ(rec.events[i][0], '+');
        EXPECT_EQ(rec.events[i].substr(1), rec.events[i + 1].substr(1));
    }
    EXPECT_EQ(rec.events.back(), "-AccumulateGrad");
    sum(x).backward();
    EXPECT_EQ(rec.events.size(), 6u);
}

}  // namespace
}  // namespace mdq
