// QuantOptimizer: which parameters are quantized (rules), bad input with actionable messages,
// exact checkpoint round trips, hard weights and packed export, the bf16 compute copy, and
// annealed training end to end (below).
#include <cmath>

#include "layers/activation.h"
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

// DoReFa k = 1 (sign(u) mean|u|), a method with a per-tensor statistic.
QuantConfig dorefa_binary_config() {
    QuantConfig qc = ternary_config();
    qc.spec.method = Method::DoReFa;
    qc.spec.levels = 2;
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

// Binary md-tanh and md-softmax keep the dual coordinate by default (atanh x, log x), under
// their own checkpoint names: a state of the authors' x does not load as a dual and back.
TEST(QuantOptimizer, PrimalMdStoresTheDualCoordinateByDefault) {
    for (const char* method : {"md-tanh", "md-softmax"}) {
        auto model = testing::param_zoo();
        ParamArena arena(*model);
        QuantConfig qc;
        qc.spec.method = parse_method(method);
        qc.spec.levels = 2;
        EXPECT_TRUE(qc.spec.stable);
        QuantOptimizer dual(arena, qc, OptimConfig{});
        const OptimizerState saved = dual.state();
        const bool tanh = qc.spec.method == Method::MdTanh;
        EXPECT_TRUE(saved.tensors.count(tanh ? "fc1.weight.atanh_x" : "fc1.weight.log_simplex"))
            << method;
        const auto& p = dual.param("fc1.weight");
        const Tensor w = arena.values().slice(0, p.value_offset, p.value_offset + p.numel);
        const std::vector<float> s = dual.stored("fc1.weight").to_vector<float>();
        std::vector<float> x(w.numel());
        for (int64_t i = 0; i < w.numel(); ++i) {
            if (tanh) {
                x[i] = std::tanh(s[i]);
            } else {  // binary simplex, layout [rows * 2, row]: w = x1 - x0 = tanh((z1 - z0) / 2)
                const int64_t j = i / p.row, r = i % p.row;
                x[i] = std::tanh(0.5f * (s[(2 * j + 1) * p.row + r] - s[2 * j * p.row + r]));
            }
        }
        EXPECT_TRUE(
            testing::all_close(w.reshape({-1}), Tensor::from_vector(x, {w.numel()}), 1e-6, 1e-6))
            << method;
        qc.spec.stable = false;
        QuantOptimizer authors(arena, qc, OptimConfig{});
        EXPECT_TRUE(throws_with([&] { authors.load_state(saved); }, {"has no tensor"})) << method;
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

    auto model_c = testing::param_zoo();
    ParamArena arena_c(*model_c);
    QuantOptimizer opt(arena_c, dorefa_binary_config(), OptimConfig{});
    std::string why;
    EXPECT_FALSE(opt.replayable(&why));
    EXPECT_NE(why.find("dorefa"), std::string::npos) << why;
}

// DoReFa k = 1: w = sign(u) mean|u| per tensor, so the soft weights are already hard and the
// hard weights keep the scale (hard_scale), after steps too.
TEST(QuantOptimizer, DoReFaOneBitIsSignTimesMeanAbs) {
    auto model = testing::param_zoo();
    ParamArena arena(*model);
    QuantOptimizer opt(arena, dorefa_binary_config(), OptimConfig{});
    for (int64_t t = 0; t < 3; ++t) {
        fill_grads(arena, t);
        opt.step();
    }
    const Tensor hard = arena.values().clone();
    opt.write_hard_weights(hard);
    EXPECT_TRUE(testing::all_equal(hard, arena.values()));
    for (const auto& p : opt.params()) {
        if (!p.spec.quantized()) continue;
        const Tensor u = opt.stored(p.name).to(DType::F64).contiguous();
        const Tensor w = arena.values().slice(0, p.value_offset, p.value_offset + p.numel);
        double mean = 0;
        for (int64_t i = 0; i < p.numel; ++i)
            mean += std::fabs(u.data<double>()[i]);
        mean /= static_cast<double>(p.numel);
        EXPECT_NEAR(opt.hard_scale(p.name), mean, 1e-6 * mean) << p.name;
        for (int64_t i = 0; i < p.numel; ++i)
            ASSERT_FLOAT_EQ(w.data<float>()[i], u.data<double>()[i] >= 0 ? opt.hard_scale(p.name)
                                                                         : -opt.hard_scale(p.name))
                << p.name << " " << i;
    }
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

// End to end: an MLP trained with annealed beta on a synthetic 4-class problem, for binary,
// ternary and 4-level weights (and the other method families). Afterwards every exported
// weight is exactly a level, evaluation from the packed export equals evaluation with the
// hard-quantized float weights bit for bit, the network is accurate with hard weights, and it
// has not collapsed onto few levels.

struct Data {
    Tensor x, y;
};

// Four Gaussian-like clusters around random +-1 corners of a 16-D cube.
Data make_data(int64_t n, uint64_t seed) {
    const Tensor centers = testing::random_tensor({4, 16}, 4242, -1, 1);
    const std::vector<float> c = centers.to_vector<float>();
    const std::vector<float> noise =
        testing::random_tensor({n, 16}, seed, -1, 1).to_vector<float>();
    std::vector<float> x(static_cast<size_t>(n * 16));
    std::vector<int64_t> y(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
        y[i] = i % 4;
        for (int j = 0; j < 16; ++j)
            x[i * 16 + j] = (c[y[i] * 16 + j] > 0 ? 1.0f : -1.0f) + 0.9f * noise[i * 16 + j];
    }
    return {Tensor::from_vector(x, {n, 16}), Tensor::from_vector(y, {n})};
}

std::shared_ptr<Sequential> mlp() {
    auto m = std::make_shared<Sequential>();
    m->add(std::make_shared<testing::TestLinear>(16, 24, 1), "fc1");
    m->add(std::make_shared<ReLU>());
    m->add(std::make_shared<testing::TestLinear>(24, 4, 3), "fc2");
    return m;
}

struct TrainRun {
    const char* method;
    int levels;
};

class QuantTrain : public ::testing::TestWithParam<TrainRun> {};

INSTANTIATE_TEST_SUITE_P(Methods, QuantTrain,
                         ::testing::Values(TrainRun{"md-tanh-s", 2}, TrainRun{"md-tanh-s", 3},
                                           TrainRun{"md-tanh-s", 4}, TrainRun{"md-softmax-s", 2},
                                           TrainRun{"pmf", 3}, TrainRun{"md-tanh", 3},
                                           TrainRun{"dorefa", 4}),
                         [](const ::testing::TestParamInfo<TrainRun>& i) {
                             std::string n =
                                 std::string(i.param.method) + "_" + std::to_string(i.param.levels);
                             for (char& c : n)
                                 if (c == '-') c = '_';
                             return n;
                         });

TEST_P(QuantTrain, AnnealedTrainingExportsExactLevels) {
    const TrainRun r = GetParam();
    const Data train = make_data(128, 1), test = make_data(128, 2);
    auto model = mlp();
    ParamArena arena(*model);
    QuantConfig qc;
    qc.spec.method = parse_method(r.method);
    qc.spec.levels = r.levels;
    qc.spec.stable = true;
    qc.seed = 7;
    OptimConfig oc;
    oc.lr = LrSchedule::step(1e-2, 150, 0.3);
    oc.beta.rho = 1.05;
    oc.beta.interval = 2;
    QuantOptimizer opt(arena, qc, oc);
    // Minibatches of 64 of the 128 training points.
    const Tensor xb[2] = {train.x.slice(0, 0, 64), train.x.slice(0, 64, 128)};
    const Tensor yb[2] = {train.y.slice(0, 0, 64), train.y.slice(0, 64, 128)};
    for (int t = 0; t < 200; ++t) {
        arena.zero_grad();
        cross_entropy((*model)(xb[t % 2]), yb[t % 2]).backward();
        opt.step();
    }
    model->eval();
    NoGradGuard no_grad;
    Tensor hard_logits;
    {
        HardWeights hard(opt);
        hard_logits = (*model)(test.x);
    }
    EXPECT_GE(testing::accuracy(hard_logits, test.y), 0.9) << r.method << "/" << r.levels;

    // Every exported weight is exactly a level, and every level is in use.
    const auto packed = opt.export_packed();
    std::vector<int64_t> count(r.levels, 0);
    int64_t total = 0;
    for (const auto& [name, p] : packed) {
        for (float v : unpack_values(p).reshape({-1}).to_vector<float>()) {
            const int k = math::nearest_level(v, r.levels);
            ASSERT_EQ(v, math::level_value<float>(k, r.levels)) << name;
            ++count[k];
            ++total;
        }
    }
    // Not collapsed: every level holds a sixteenth of its fair share (1/(d-1)) at least.
    for (int k = 0; k < r.levels; ++k)
        EXPECT_GT(count[k], total / (16 * (r.levels - 1))) << "level " << k << " nearly unused";

    // Evaluation from the packed export equals evaluation with the hard float weights.
    auto fresh = mlp();
    ParamArena fresh_arena(*fresh);
    load_packed_weights(fresh_arena, packed);
    fresh->eval();
    EXPECT_TRUE(testing::all_equal((*fresh)(test.x), hard_logits));
}

}  // namespace
}  // namespace mdq
