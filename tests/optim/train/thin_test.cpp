// Real channel removal (optim/train/thin.h): kept slices in order; a thinned
// conv -> batch norm -> relu -> conv block, and whole thinned models (small-cnn, and
// resnet18-cifar with channels tied by residual adds), give the masked model's logits up to f32
// accumulation order.
#include "optim/train/thin.h"

#include "core/autograd.h"
#include "kernels/conv/conv.h"
#include "kernels/elementwise/binary.h"
#include "kernels/elementwise/unary.h"
#include "kernels/reduce/reduce.h"
#include "layers/batch_norm.h"
#include "models/registry.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

TEST(Thin, KeepsTheMaskedSlicesInOrder) {
    const Tensor t = testing::random_tensor({2, 5, 3}, 7);
    const Tensor k = keep_channels(t, 1, {1, 0, 0, 1, 1});
    EXPECT_EQ(k.shape(), (Shape{2, 3, 3}));
    EXPECT_TRUE(testing::all_equal(k.slice(1, 0, 1), t.slice(1, 0, 1)));
    EXPECT_TRUE(testing::all_equal(k.slice(1, 1, 3), t.slice(1, 3, 5)));
}

// conv(relu(conv(x, w1) * scale + shift), w2): BN in eval form, channels last.
Tensor block(const Tensor& x, const Tensor& w1, const Tensor& scale, const Tensor& shift,
             const Tensor& w2) {
    Conv2dArgs a;
    a.pad_h = a.pad_w = 1;
    const Tensor y = conv2d(x, w1, Tensor(), a);
    return conv2d(relu(add(mul(y, scale), shift)), w2, Tensor(), a);
}

TEST(Thin, ThinnedBlockGivesTheMaskedLogitsToRounding) {
    const int64_t c = 6;
    const std::vector<uint8_t> mask{1, 0, 1, 1, 0, 1};
    const Tensor x = testing::random_tensor({2, 5, 5, 3}, 1);
    Tensor w1 = testing::random_tensor({c, 3, 3, 3}, 2), scale = testing::random_tensor({c}, 3),
           shift = testing::random_tensor({c}, 4);
    const Tensor w2 = testing::random_tensor({4, 3, 3, c}, 5);
    // The masked model as pruning leaves it: pruned filters and their BN vectors are zero.
    std::vector<float> m(mask.begin(), mask.end());
    const Tensor mt = Tensor::from_vector(m, {c});
    w1 = mul(w1, mt.view({c, 1, 1, 1}));
    scale = mul(scale, mt);
    shift = mul(shift, mt);
    const Tensor masked = block(x, w1, scale, shift, w2);
    const Tensor thinned = block(x, keep_channels(w1, 0, mask), keep_channels(scale, 0, mask),
                                 keep_channels(shift, 0, mask), keep_channels(w2, 3, mask));
    // Removing the zero channels changes the order the conv's dot products accumulate in (its
    // vector blocking over kh * kw * c), so values agree to f32 rounding of a 54-term sum, not
    // bit for bit: 1e-5 relative is ~100 ulps, far below what a wrong channel would give.
    EXPECT_TRUE(testing::all_close(thinned, masked, 1e-5, 1e-5));
    // A wrong channel map is caught: dropping a live channel instead changes the logits.
    const std::vector<uint8_t> wrong{0, 1, 1, 1, 0, 1};
    EXPECT_FALSE(
        testing::all_close(block(x, keep_channels(w1, 0, wrong), keep_channels(scale, 0, wrong),
                                 keep_channels(shift, 0, wrong), keep_channels(w2, 3, wrong)),
                           masked, 1e-5, 1e-5));
}

// A random mask per group that keeps about 60% of the channels, at least one.
std::vector<std::vector<uint8_t>> random_masks(const std::vector<ChannelGroup>& plan,
                                               uint64_t seed) {
    std::vector<std::vector<uint8_t>> masks;
    for (size_t g = 0; g < plan.size(); ++g) {
        const std::vector<float> u =
            testing::random_tensor({plan[g].channels}, seed + g, 0, 1).to_vector<float>();
        std::vector<uint8_t> m(u.size());
        for (size_t c = 0; c < u.size(); ++c)
            m[c] = u[c] < 0.6f || c == 0;
        masks.push_back(m);
    }
    return masks;
}

// The masked model as training leaves it: every batch norm of a group gated by its mask (the
// gate alone removes a channel, whatever the weights feeding it hold), with random running
// statistics so that each channel matters.
Tensor masked_logits(Module& m, const std::vector<ChannelGroup>& plan,
                     const std::vector<std::vector<uint8_t>>& masks, const Tensor& x) {
    std::map<std::string, Module*> modules;
    for (auto& [name, mod] : m.named_modules())
        modules[name] = mod;
    for (size_t g = 0; g < plan.size(); ++g) {
        const std::vector<float> z(masks[g].begin(), masks[g].end());
        const Tensor gate = Tensor::from_vector(z, {plan[g].channels});
        for (const std::string& bn : plan[g].batch_norms)
            dynamic_cast<BatchNorm*>(modules.at(bn))->set_gate(gate);
    }
    const Tensor y = m(x);
    for (const ChannelGroup& g : plan)
        for (const std::string& bn : g.batch_norms)
            dynamic_cast<BatchNorm*>(modules.at(bn))->set_gate(Tensor());
    return y;
}

void check_thinned_model(const std::string& name, int64_t expected_groups) {
    ModelOptions o;
    o.input_h = o.input_w = 28;
    o.in_channels = 1;
    o.seed = 3;
    ModulePtr full = build_model(name, o);
    uint64_t seed = 100;
    for (auto& [b, t] : full->named_buffers())
        t->copy_(testing::random_tensor(t->shape(), seed++,
                                        b.find("var") != std::string::npos ? 0.5 : -0.5, 1.0));
    full->eval();
    NoGradGuard no_grad;
    const std::vector<ChannelGroup> plan = channel_plan(*full);
    ASSERT_EQ(static_cast<int64_t>(plan.size()), expected_groups);
    const auto masks = random_masks(plan, 11);
    const Tensor x = testing::random_tensor({4, 28, 28, 1}, 5);
    const Tensor masked = masked_logits(*full, plan, masks, x);

    ModelOptions t = o;
    t.widths = thinned_widths(plan, masks);
    ModulePtr thin = build_model(name, t);
    thin->load_state_dict(thin_tensors(full->state_dict(), plan, masks));
    thin->eval();
    EXPECT_LT(thin->num_parameters(), full->num_parameters());
    const Tensor logits = (*thin)(x);
    // Equal up to the order of f32 accumulation: without the zero channels each GEMM's reduction
    // is shorter, and BLAS groups its partial sums by K (blocking and unrolling), so the
    // roundings differ (a few ulps per layer, ~1e-6 relative). 1e-5 relative to the largest
    // logit bounds that; a channel kept or dropped by mistake moves logits by O(1).
    const double scale = amax(abs(masked)).item<double>();
    EXPECT_TRUE(testing::all_close(logits, masked, 0.0, 1e-5 * scale)) << name;
    EXPECT_TRUE(testing::all_equal(argmax(logits, 1), argmax(masked, 1))) << name;
    // The wrong masks (another draw) thin to another model whose logits differ.
    const auto wrong = random_masks(plan, 12);
    ModelOptions w = o;
    w.widths = thinned_widths(plan, wrong);
    ModulePtr other = build_model(name, w);
    other->load_state_dict(thin_tensors(full->state_dict(), plan, wrong));
    other->eval();
    EXPECT_FALSE(testing::all_close((*other)(x), masked, 0.0, 1e-5 * scale)) << name;
}

TEST(Thin, ThinnedSmallCnnGivesTheMaskedLogits) {
    check_thinned_model("small-cnn", 3);
}

// Stream channels are tied across the blocks of a stage: the thinned model exists (the builder
// refuses unequal widths there) and matches the masked one only if they are cut together.
TEST(Thin, ThinnedResnetGivesTheMaskedLogits) {
    check_thinned_model("resnet18-cifar", 4 + 8);
}

TEST(Thin, RefusesMasksThatDoNotFitThePlan) {
    ModulePtr m = build_model("small-cnn");
    const std::vector<ChannelGroup> plan = channel_plan(*m);
    EXPECT_TRUE(throws_with([&] { thinned_widths(plan, {{1}}); }, {"1 masks for 3"}));
    auto masks = random_masks(plan, 1);
    masks[1].pop_back();
    EXPECT_TRUE(throws_with([&] { thin_tensors(m->state_dict(), plan, masks); },
                            {"the mask of 'bn2' has 31 entries for 32"}));
    // A tensor that does not hold the group's channels (a simplex method's stored logits).
    std::map<std::string, Tensor> state = m->state_dict();
    state["conv1.weight.z"] = Tensor::zeros({16 * 2, 5, 5, 1});
    EXPECT_TRUE(throws_with([&] { thin_tensors(state, plan, random_masks(plan, 1)); },
                            {"'conv1.weight.z'", "does not hold the 16 channels of 'bn1'"}));
}

TEST(Thin, RefusesBadMasks) {
    const Tensor t = Tensor::zeros({3, 2});
    EXPECT_TRUE(throws_with([&] { keep_channels(t, 0, {1, 1}); }, {"mask of 2", "3 channels"}));
    EXPECT_TRUE(throws_with([&] { keep_channels(t, 0, {0, 0, 0}); }, {"at least one"}));
    EXPECT_TRUE(throws_with([&] { keep_channels(t, 2, {1}); }, {"out of range"}));
}

}  // namespace
}  // namespace mdq
