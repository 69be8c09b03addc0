// QuantOptimizer: which parameters are quantized (rules), bad input with actionable messages,
// exact checkpoint round trips, hard weights and packed export, the bf16 compute copy.
#include "optim/quant_optimizer.h"
#include "optim/train/hard_eval.h"
#include "tests/testing/quant_models.h"

namespace mdq {
namespace {

using testing::throws_with;

QuantConfig ternary_config() {
    QuantConfig qc;
    qc.spec.method = Method::MdTanhS;
    qc.spec.levels = 3;
    qc.seed = 3;
    return qc;
}

// Deterministic pseudo-gradients so that two optimizers can be fed the same sequence.
void fill_grads(ParamArena& arena, int64_t t) {
    const Tensor g = testing::random_tensor({arena.size()}, 1000 + t, -1, 1);
    arena.grads().copy_(g);
}

TEST(QuantOptimizer, DefaultSelectionAndRules) {
    auto model = testing::param_zoo();
    ParamArena arena(*model);
    QuantConfig qc = ternary_config();
    qc.rules = {parse_quant_rule("fc2.*:float"), parse_quant_rule("conv.*:levels=8"),
                parse_quant_rule("fc2.bias:method=bc,levels=2"),
                parse_quant_rule("bn.*:lr_mult=0.5")};
    QuantOptimizer opt(arena, qc, OptimConfig{});
    EXPECT_EQ(opt.param("fc1.weight").spec.str(), "md-tanh-s/3");
    EXPECT_EQ(opt.param("fc1.bias").spec.str(), "md-tanh-s/3");  // biases too (docs/METHOD.md 2)
    EXPECT_EQ(opt.param("conv.weight").spec.str(), "md-tanh-s/8");
    EXPECT_EQ(opt.param("bn.scale").spec.str(), "float");
    EXPECT_EQ(opt.param("fc2.weight").spec.str(), "float");
    EXPECT_EQ(opt.param("fc2.bias").spec.str(), "bc/2");  // a later rule re-quantizes it
    EXPECT_EQ(opt.param("bn.scale").spec.lr_mult, 0.5f);
    EXPECT_EQ(opt.param("fc1.weight").spec.lr_mult, 1.0f);
    EXPECT_FALSE(opt.stored("bn.scale").defined());
    EXPECT_EQ(opt.stored("conv.weight").shape(), (Shape{3, 2, 2, 3}));
    EXPECT_TRUE(glob_match("layer?.*.weight", "layer4.0.conv1.weight"));
    EXPECT_FALSE(glob_match("layer?.*.weight", "layer4.0.conv1.bias"));
    EXPECT_TRUE(glob_match("*", ""));
}

TEST(QuantOptimizer, BadInputNamesTheProblem) {
    EXPECT_TRUE(throws_with([] { parse_method("md-tahn"); },
                            {"unknown quantization method 'md-tahn'", "md-tanh-s", "md-softmax",
                             "proxquant", "float"}));
    EXPECT_TRUE(throws_with([] { check_levels(Method::MdTanhS, 1); }, {"levels must be >= 2"}));
    EXPECT_TRUE(throws_with([] { check_levels(Method::Bc, 3); },
                            {"bc supports only binary weights", "got levels 3"}));
    EXPECT_TRUE(throws_with([] { check_levels(Method::Picm, 3); }, {"picm", "only binary"}));
    EXPECT_TRUE(throws_with([] { check_levels(Method::MdSoftmaxS, 17); }, {"at most 16 levels"}));
    EXPECT_TRUE(throws_with([] { parse_quant_rule("fc.*"); }, {"PATTERN:float"}));
    EXPECT_TRUE(throws_with([] { parse_quant_rule("fc.*:levels=1"); }, {"integer >= 2"}));
    EXPECT_TRUE(throws_with([] { parse_quant_rule("fc.*:bits=2"); }, {"unknown key 'bits'"}));
    EXPECT_TRUE(throws_with([] { parse_quant_rule("fc.*:lr_mult=x"); }, {"lr_mult"}));
    EXPECT_TRUE(throws_with([] { parse_base_optimizer("lamb"); }, {"adam", "adamw", "sgd"}));
    auto model = testing::param_zoo();
    ParamArena arena(*model);
    QuantConfig qc = ternary_config();
    qc.spec.method = Method::Bc;
    EXPECT_TRUE(throws_with([&] { QuantOptimizer(arena, qc, OptimConfig{}); },
                            {"parameter 'fc1.weight'", "bc supports only binary"}));
    OptimConfig oc;
    oc.beta.rho = 0.5;
    EXPECT_TRUE(throws_with([&] { QuantOptimizer(arena, ternary_config(), oc); }, {"rho"}));
    oc = OptimConfig{};
    oc.nesterov = true;
    EXPECT_TRUE(throws_with([&] { QuantOptimizer(arena, ternary_config(), oc); }, {"Nesterov"}));
    QuantOptimizer opt(arena, ternary_config(), OptimConfig{});
    EXPECT_TRUE(throws_with([&] { opt.param("nope"); }, {"no parameter named 'nope'"}));
    EXPECT_TRUE(throws_with([&] { opt.hard_codes("bn.scale"); }, {"'bn.scale' is float"}));
}

TEST(QuantOptimizer, StateRoundTripIsExact) {
    for (const char* method : {"md-tanh-s", "md-softmax-s", "md-tanh"}) {
        auto model_a = testing::param_zoo(), model_b = testing::param_zoo();
        ParamArena arena_a(*model_a), arena_b(*model_b);
        QuantConfig qc = ternary_config();
        qc.spec.method = parse_method(method);
        OptimConfig oc;
        oc.beta.rho = 1.3;
        oc.lr = LrSchedule::step(1e-2, 2, 0.5);
        QuantOptimizer a(arena_a, qc, oc);
        for (int64_t t = 0; t < 3; ++t) {
            fill_grads(arena_a, t);
            a.step();
        }
        const OptimizerState saved = a.state();
        EXPECT_EQ(saved.scalars.at("step"), 3);
        EXPECT_EQ(saved.meta.at("fc1.weight.method"), method);
        qc.seed = 99;  // b starts elsewhere: everything must come from the state
        QuantOptimizer b(arena_b, qc, oc);
        arena_b.values().copy_(arena_a.values());  // float parameters live in the model state
        b.load_state(saved);
        EXPECT_EQ(b.step_count(), 3);
        EXPECT_TRUE(testing::all_equal(arena_b.values(), arena_a.values())) << method;
        for (int64_t t = 3; t < 6; ++t) {
            fill_grads(arena_a, t);
            fill_grads(arena_b, t);
            a.step();
            b.step();
        }
        EXPECT_TRUE(testing::all_equal(arena_b.values(), arena_a.values())) << method;
        EXPECT_TRUE(testing::all_equal(b.stored("fc1.weight"), a.stored("fc1.weight")));
        EXPECT_EQ(b.beta(), a.beta());
    }
}

TEST(QuantOptimizer, LoadStateChecksSpecs) {
    auto model = testing::param_zoo();
    ParamArena arena(*model);
    QuantOptimizer a(arena, ternary_config(), OptimConfig{});
    OptimizerState s = a.state();
    QuantConfig qc = ternary_config();
    qc.spec.levels = 4;
    QuantOptimizer b(arena, qc, OptimConfig{});
    EXPECT_TRUE(throws_with([&] { b.load_state(s); }, {"'fc1.weight' was saved as md-tanh-s/3",
                                                       "configured as md-tanh-s/4"}));
    s.tensors.erase("fc1.weight.exp_avg");
    EXPECT_TRUE(throws_with([&] { a.load_state(s); }, {"no tensor 'fc1.weight.exp_avg'"}));
}

TEST(QuantOptimizer, HardWeightsAndPackedExportAgree) {
    auto model = testing::param_zoo();
    ParamArena arena(*model);
    OptimConfig oc;
    oc.beta.rho = 3.0;
    QuantOptimizer opt(arena, ternary_config(), oc);
    for (int64_t t = 0; t < 4; ++t) {
        fill_grads(arena, t);
        opt.step();
    }
    const Tensor soft = arena.values().clone();
    Tensor hard = Tensor::full(soft.shape(), NAN);
    hard.copy_(soft);
    opt.write_hard_weights(hard);
    {
        HardWeights swap(opt);
        EXPECT_TRUE(testing::all_equal(arena.values(), hard));
    }
    EXPECT_TRUE(testing::all_equal(arena.values(), soft));  // restored exactly
    const auto packed = opt.export_packed();
    EXPECT_EQ(packed.size(), 5u);  // every quantized parameter, bn.scale excluded
    EXPECT_EQ(packed[0].second.bits, 2);
    auto other = testing::param_zoo();
    ParamArena arena2(*other);
    arena2.values().copy_(soft);
    load_packed_weights(arena2, packed);
    EXPECT_TRUE(testing::all_equal(arena2.values(), hard));
    for (const auto& p : opt.params()) {
        if (!p.spec.quantized()) continue;
        for (float v : hard.slice(0, p.value_offset, p.value_offset + p.numel).to_vector<float>())
            ASSERT_TRUE(v == -1.0f || v == 0.0f || v == 1.0f) << p.name << " " << v;
    }
}

TEST(QuantOptimizer, Bf16ComputeCopyFollowsEveryStep) {
    auto model = testing::param_zoo();
    ParamArena arena(*model);
    QuantOptimizer opt(arena, ternary_config(), OptimConfig{});
    arena.enable_compute_copy(DType::BF16);
    for (int64_t t = 0; t < 2; ++t) {
        fill_grads(arena, t);
        opt.step();
        EXPECT_TRUE(testing::all_equal(arena.compute_values(), arena.values().to(DType::BF16)));
    }
    {
        HardWeights swap(opt);
        EXPECT_TRUE(testing::all_equal(arena.compute_values(), arena.values().to(DType::BF16)));
    }
    EXPECT_TRUE(testing::all_equal(arena.compute_values(), arena.values().to(DType::BF16)));
}

TEST(QuantOptimizer, BetaScheduleChangeReprojects) {
    auto model = testing::param_zoo();
    ParamArena arena(*model);
    QuantOptimizer opt(arena, ternary_config(), OptimConfig{});
    BetaSchedule b;
    b.beta0 = 1e6;
    opt.set_beta_schedule(b);
    EXPECT_EQ(opt.beta(), 1e6);
    // At beta = 1e6 the projection is the staircase: (almost) every weight sits on a level.
    const std::vector<float> w =
        arena.values().slice(0, 0, opt.param("fc1.weight").numel).to_vector<float>();
    int64_t on_level = 0;
    for (float v : w)
        on_level += (v == -1.0f || v == 0.0f || v == 1.0f) ? 1 : 0;
    EXPECT_GT(on_level, static_cast<int64_t>(w.size()) * 99 / 100);
    opt.set_lr_schedule(LrSchedule::constant(0.5));
    EXPECT_EQ(opt.lr(), 0.5);
}

// A CUDA graph replays step() without its host code: count_replayed_step() keeps the host's
// copy of the control block where step() would have left it; DoReFa cannot be replayed.
TEST(QuantOptimizer, CountedReplaysKeepTheHostControlInStep) {
    auto model = testing::param_zoo();
    ParamArena arena_a(*model);
    OptimConfig oc;
    oc.beta.rho = 1.5;
    oc.beta.interval = 2;
    oc.lr = LrSchedule::constant(0.01);
    QuantOptimizer stepped(arena_a, ternary_config(), oc);
    auto model_b = testing::param_zoo();
    ParamArena arena_b(*model_b);
    QuantOptimizer replayed(arena_b, ternary_config(), oc);
    EXPECT_TRUE(replayed.replayable());
    replayed.step();  // the capture: its host code runs once
    for (int t = 0; t < 5; ++t) {
        stepped.step();
        if (t > 0) replayed.count_replayed_step();
    }
    stepped.step();
    replayed.count_replayed_step();
    EXPECT_EQ(replayed.step_count(), 6);
    EXPECT_EQ(replayed.step_count(), stepped.step_count());
    EXPECT_EQ(replayed.beta(), stepped.beta());
    EXPECT_EQ(replayed.lr(), stepped.lr());
    EXPECT_GT(replayed.beta(), 1.0);

    QuantConfig dorefa = ternary_config();
    dorefa.spec.method = Method::DoReFa;
    dorefa.spec.levels = 2;
    auto model_c = testing::param_zoo();
    ParamArena arena_c(*model_c);
    QuantOptimizer opt(arena_c, dorefa, OptimConfig{});
    std::string why;
    EXPECT_FALSE(opt.replayable(&why));
    EXPECT_NE(why.find("dorefa"), std::string::npos) << why;
}

// A property of the method, not of the implementation (docs/QUANTIZATION.md): with the
// identity map g_z = g_x = q g_w, the logit of the level q = 0 never receives a gradient, so
// ternary MD-softmax-S can only leave the zero level. PMF couples it through the softmax.
TEST(QuantOptimizer, MdSoftmaxSZeroLevelLogitGetsNoGradient) {
    auto model = testing::param_zoo();
    ParamArena arena(*model);
    QuantConfig qc = ternary_config();
    qc.spec.method = Method::MdSoftmaxS;
    QuantOptimizer opt(arena, qc, OptimConfig{});
    const Tensor z0 = opt.stored("fc2.weight").clone();  // [5 * 3, 7]: rows j*3 + l
    for (int64_t t = 0; t < 3; ++t) {
        fill_grads(arena, t);
        opt.step();
    }
    const Tensor z = opt.stored("fc2.weight");
    for (int64_t j = 0; j < 5; ++j) {
        EXPECT_TRUE(testing::all_equal(z.select(0, 3 * j + 1), z0.select(0, 3 * j + 1)));
        EXPECT_FALSE(testing::all_equal(z.select(0, 3 * j), z0.select(0, 3 * j)));
    }
}

}  // namespace
}  // namespace mdq
