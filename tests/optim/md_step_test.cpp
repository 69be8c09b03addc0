// Every update rule of the fused step against the independent f64 implementation of
// docs/METHOD.md's formulas (tests/testing/md_reference.h), for several iterations, per method,
// level count and base optimizer. Schedules change every iteration (beta x1.5, lr halved every 2)
// so that beta_t versus beta_{t+1} and the authors' StepLR off-by-one are exercised. On a GPU:
// md_step_cuda_test.cpp.
#include <cmath>

#include "optim/md_step.h"
#include "optim/quant_optimizer.h"
#include "tests/testing/md_reference.h"
#include "tests/testing/quant_models.h"
#include "tests/testing/simt/block.h"
#include "tests/testing/simt/drop_barrier.h"

namespace mdq {
namespace {

struct Case {
    const char* method;
    int levels;
    const char* base;
    bool stable = false, full_ste = false;
    double wd = 0.0, momentum = 0.0;
    bool nesterov = false;
    double prox_rate = 0.0;
    int64_t prox_freeze = -1;
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
    const Case& c = info.param;
    std::string n = std::string(c.method) + "_" + std::to_string(c.levels) + "_" + c.base;
    if (c.stable) n += "_stable";
    if (c.full_ste) n += "_fullste";
    if (c.wd > 0) n += "_wd";
    if (c.momentum > 0) n += "_mom";
    if (c.nesterov) n += "_nesterov";
    if (c.prox_freeze >= 0) n += "_freeze";
    for (char& ch : n)
        if (ch == '-') ch = '_';
    return n;
}

class MdStepReference : public ::testing::TestWithParam<Case> {};

TEST_P(MdStepReference, MatchesF64Formulas) {
    const Case& c = GetParam();
    auto model = testing::param_zoo();
    ParamArena arena(*model);
    QuantConfig qc;
    qc.spec.method = parse_method(c.method);
    qc.spec.levels = c.levels;
    qc.spec.stable = c.stable;
    qc.spec.full_ste = c.full_ste;
    qc.seed = 5;
    OptimConfig oc;
    oc.base = parse_base_optimizer(c.base);
    oc.weight_decay = c.wd;
    oc.momentum = c.momentum;
    oc.nesterov = c.nesterov;
    oc.lr = LrSchedule::step(1e-2, 2, 0.5);
    oc.beta.rho = 1.5;
    oc.prox.reg_rate = c.prox_rate;
    oc.prox.steps_per_epoch = 2;
    oc.prox.freeze_step = c.prox_freeze;
    QuantOptimizer opt(arena, qc, oc);

    testing::RefHyper h;
    h.base = c.base;
    h.lr0 = 1e-2;
    h.lr_gamma = 0.5;
    h.lr_step = 2;
    h.rho = 1.5;
    h.wd = c.wd;
    h.momentum = c.momentum;
    h.nesterov = c.nesterov;
    h.prox_rate = c.prox_rate;
    h.prox_epoch = 2;
    h.prox_freeze = c.prox_freeze;

    std::vector<testing::RefParam> refs;
    std::vector<std::vector<double>> targets;
    for (size_t k = 0; k < opt.params().size(); ++k) {
        const auto& p = opt.params()[k];
        const Tensor w = arena.values().slice(0, p.value_offset, p.value_offset + p.numel);
        const bool q = p.spec.quantized();
        refs.emplace_back(q ? c.method : "float", p.spec.levels, c.stable, c.full_ste, p.shape,
                          q ? opt.stored(p.name).to_vector<double>() : w.to_vector<double>());
        targets.push_back(testing::random_tensor({p.numel}, 100 + k).to_vector<double>());
        EXPECT_TRUE(testing::all_close(w, Tensor::from_vector(refs.back().weight(1.0), {p.numel}),
                                       2e-6, 2e-6))
            << p.name << " initial projection";
    }
    for (int64_t t = 0; t < 6; ++t) {
        for (size_t k = 0; k < refs.size(); ++k) {
            const auto& p = opt.params()[k];
            const std::vector<float> w = arena.values()
                                             .slice(0, p.value_offset, p.value_offset + p.numel)
                                             .to_vector<float>();
            std::vector<float> g(w.size());
            std::vector<double> gd(w.size());
            for (size_t i = 0; i < w.size(); ++i) {
                g[i] = static_cast<float>(0.8 * (w[i] - targets[k][i]) +
                                          0.05 * std::sin(double(i) + 3.0 * double(t)));
                gd[i] = g[i];
            }
            arena.grads()
                .slice(0, p.value_offset, p.value_offset + p.numel)
                .copy_(Tensor::from_vector(g, {p.numel}));
            refs[k].step(gd, h, t);
        }
        opt.step();
        const double beta_next = testing::ref_beta(h, t + 1);
        for (size_t k = 0; k < refs.size(); ++k) {
            const auto& p = opt.params()[k];
            const Tensor w = arena.values().slice(0, p.value_offset, p.value_offset + p.numel);
            EXPECT_TRUE(testing::all_close(
                w, Tensor::from_vector(refs[k].weight(beta_next), {p.numel}), 3e-5, 3e-6))
                << p.name << " weight after step " << t;
            if (!p.spec.quantized()) continue;
            const std::vector<double> st = refs[k].stored();
            EXPECT_TRUE(testing::all_close(
                opt.stored(p.name).reshape({-1}),
                Tensor::from_vector(st, {static_cast<int64_t>(st.size())}), 3e-5, 3e-6))
                << p.name << " stored variable after step " << t;
        }
    }
    EXPECT_EQ(opt.step_count(), 6);
    EXPECT_NEAR(opt.beta(), testing::ref_beta(h, 6), 1e-6 * opt.beta());
}

INSTANTIATE_TEST_SUITE_P(
    Methods, MdStepReference,
    ::testing::Values(
        Case{"float", 2, "adam"}, Case{"float", 2, "adamw", false, false, 0.1},
        Case{"float", 2, "sgd", false, false, 0.01, 0.9, true}, Case{"md-tanh-s", 2, "adam"},
        Case{"md-tanh-s", 3, "adam"}, Case{"md-tanh-s", 4, "adam"}, Case{"md-tanh-s", 8, "adam"},
        Case{"md-tanh-s", 3, "sgd", false, false, 0.0, 0.9},
        Case{"md-tanh-s", 2, "adamw", false, false, 0.05}, Case{"md-tanh-s", 2, "sgd"},
        Case{"gd-tanh", 2, "adam"}, Case{"gd-tanh", 3, "adam"}, Case{"gd-tanh", 4, "adam"},
        Case{"bc", 2, "adam"}, Case{"bc", 2, "sgd", false, true, 0.0, 0.9},
        Case{"proxquant", 2, "adam", false, false, 0.0, 0.0, false, 1.0},
        Case{"proxquant", 3, "sgd", false, false, 0.0, 0.5, false, 2.0},
        Case{"proxquant", 2, "adam", false, false, 0.0, 0.0, false, 1.0, 4},
        Case{"md-tanh", 2, "adam"}, Case{"md-tanh", 2, "adam", true}, Case{"md-tanh", 3, "adam"},
        Case{"md-tanh", 4, "adam"}, Case{"md-tanh", 3, "sgd", true, false, 0.0, 0.9},
        Case{"md-tanh", 2, "adamw", true, false, 0.05}, Case{"md-softmax", 2, "adam", true},
        Case{"md-softmax", 3, "adam", true, false, 0.05}, Case{"md-softmax-s", 2, "adam"},
        Case{"md-softmax-s", 3, "adam"}, Case{"md-softmax-s", 4, "adam"},
        Case{"md-softmax-s", 3, "sgd", false, false, 0.0, 0.9}, Case{"pmf", 2, "adam"},
        Case{"pmf", 3, "adam"}, Case{"picm", 2, "adam"}, Case{"md-softmax", 2, "adam"},
        Case{"md-softmax", 3, "adam"}, Case{"md-softmax", 3, "adam", true},
        Case{"dorefa", 2, "adam"}, Case{"dorefa", 4, "adam"},
        Case{"dorefa", 16, "sgd", false, false, 0.0, 0.9}),
    case_name);

// docs/DESIGN.md decision 2: the fused step's body runs on the CPU with a real CUDA grid shape,
// block by block and thread by thread, and must give bit for bit what the CPU path gives: the
// chunk table, the block and thread strides, the 4-wide unrolled accesses and the tails of the
// GPU mapping are thereby tested on every machine. One launch mixes several methods.

std::unique_ptr<QuantOptimizer> mixed(ParamArena& arena, BaseOptimizer base) {
    QuantConfig qc;
    qc.spec.method = Method::MdTanhS;
    qc.spec.levels = 3;
    qc.rules = {parse_quant_rule("conv.*:method=gd-tanh,levels=4"),
                parse_quant_rule("fc2.weight:method=md-softmax-s,levels=3"),
                parse_quant_rule("fc2.bias:method=pmf,levels=2")};
    OptimConfig oc;
    oc.base = base;
    oc.momentum = base == BaseOptimizer::Sgd ? 0.9 : 0.0;
    oc.beta.rho = 1.2;
    return std::make_unique<QuantOptimizer>(arena, qc, oc);
}

void emulate_step(const QuantOptimizer& opt, int64_t blocks, int64_t threads) {
    const MdStepLaunch& L = opt.launch();
    const StepScalars sc = L.ctrl->cur;
    for (int64_t b = 0; b < blocks; ++b)
        for (int64_t t = 0; t < threads; ++t)
            math::md_step_body_any(GridPos{b, t, threads, blocks}, L, sc);
    advance_step(*L.ctrl);
}

TEST(MdStepGrid, RealGridShapesMatchTheCpuPath) {
    for (BaseOptimizer base : {BaseOptimizer::Adam, BaseOptimizer::Sgd}) {
        for (int64_t blocks : {1, 3}) {
            auto ma = testing::param_zoo(), mb = testing::param_zoo();
            ParamArena aa(*ma), ab(*mb);
            aa.enable_compute_copy(DType::BF16);
            ab.enable_compute_copy(DType::BF16);
            auto a = mixed(aa, base), b = mixed(ab, base);
            for (int64_t t = 0; t < 3; ++t) {
                const Tensor g = testing::random_tensor({aa.size()}, 50 + t, -1, 1);
                aa.grads().copy_(g);
                ab.grads().copy_(g);
                a->step();
                emulate_step(*b, blocks, kStepThreads);
            }
            EXPECT_TRUE(testing::all_equal(ab.values(), aa.values()));
            EXPECT_TRUE(testing::all_equal(ab.compute_values(), aa.compute_values()));
            for (const auto& p : a->params()) {
                if (p.spec.quantized()) {
                    EXPECT_TRUE(testing::all_equal(b->stored(p.name), a->stored(p.name))) << p.name;
                }
                EXPECT_TRUE(testing::all_equal(b->first_moment(p.name), a->first_moment(p.name)));
            }
            EXPECT_EQ(b->launch().ctrl->step, 3);
        }
    }
}

// The CUDA step kernel's whole block (math::md_step_block: the body, the barrier, the count of
// finished blocks and the control-block update by the last one) in the SIMT emulator, blocks
// in a random order. drop removes its barrier (DropBarrier).
void simt_step(const QuantOptimizer& opt, int blocks, uint64_t seed, bool drop) {
    const MdStepLaunch& L = opt.launch();
    testing::simt::BlockConfig c;
    c.kernel = "md_step";
    c.threads = kStepThreads;
    c.blocks = blocks;
    c.seed = seed;
    testing::simt::Block(c).run_grid([&](testing::simt::Thread& t) {
        auto block = [&](auto& ctx) {
            switch (L.hyper.kind) {
                case BaseOptimizer::Adam:
                    return math::md_step_block<BaseOptimizer::Adam, kAllMethods>(ctx, L);
                case BaseOptimizer::AdamW:
                    return math::md_step_block<BaseOptimizer::AdamW, kAllMethods>(ctx, L);
                case BaseOptimizer::Sgd:
                    return math::md_step_block<BaseOptimizer::Sgd, kAllMethods>(ctx, L);
            }
        };
        if (!drop) return block(t);
        testing::simt::DropBarrier d(t, 1, 0);
        block(d);
    });
}

// Three steps of the emulated kernel against three CPU steps: the weights bit for bit, the
// iteration advanced exactly once per launch and the block counter back at 0.
::testing::AssertionResult simt_steps_match(int blocks, uint64_t seed, bool drop) {
    auto ma = testing::param_zoo(), mb = testing::param_zoo();
    ParamArena aa(*ma), ab(*mb);
    auto a = mixed(aa, BaseOptimizer::Adam), b = mixed(ab, BaseOptimizer::Adam);
    for (int64_t t = 0; t < 3; ++t) {
        const Tensor g = testing::random_tensor({aa.size()}, 70 + t, -1, 1);
        aa.grads().copy_(g);
        ab.grads().copy_(g);
        a->step();
        simt_step(*b, blocks, seed, drop);
        if (b->launch().ctrl->step != t + 1 || b->launch().ctrl->blocks_done != 0)
            return ::testing::AssertionFailure()
                   << "after launch " << t << ": step " << b->launch().ctrl->step
                   << ", blocks_done " << b->launch().ctrl->blocks_done;
    }
    auto eq = testing::all_equal(ab.values(), aa.values());
    if (!eq) return eq << " (weights, " << blocks << " blocks, seed " << seed << ")";
    return ::testing::AssertionSuccess();
}

TEST(SimtMdStep, BlockWithControlUpdateMatchesTheCpuPath) {
    for (int blocks : {1, 3})
        for (uint64_t seed : {0, 1, 2})
            EXPECT_TRUE(simt_steps_match(blocks, seed, false));
}

// Without the barrier, thread 0 of the last block advances the iteration while other threads
// of the block have yet to read its scalars.
TEST(SimtMdStep, RemovedBarrierIsCaught) {
    int wrong = 0;
    for (uint64_t seed = 1; seed <= 4; ++seed)
        wrong += !simt_steps_match(3, seed, true);
    EXPECT_GE(wrong, 1) << "no seed of 4 exposed the removed barrier";
}

TEST(MdStepGrid, ProjectionBodyMatches) {
    auto ma = testing::param_zoo(), mb = testing::param_zoo();
    ParamArena aa(*ma), ab(*mb);
    auto a = mixed(aa, BaseOptimizer::Adam), b = mixed(ab, BaseOptimizer::Adam);
    ab.values().fill_(NAN);
    a->reproject();
    const MdStepLaunch& L = b->launch();
    for (int64_t blk = 0; blk < 2; ++blk)
        for (int64_t t = 0; t < 64; ++t)
            math::md_project_body(GridPos{blk, t, 64, 2}, L, 1.0f);
    for (const auto& p : a->params()) {
        if (!p.spec.quantized()) continue;
        EXPECT_TRUE(
            testing::all_equal(ab.values().slice(0, p.value_offset, p.value_offset + p.numel),
                               aa.values().slice(0, p.value_offset, p.value_offset + p.numel)))
            << p.name;
    }
}

// docs/METHOD.md 1.6: at a fixed beta, MD-tanh-S (u <- u - eta g, w = P(u)) reproduces the iterates
// of primal MD-tanh (x <- P(P^-1(x) - eta g)) when both start from the same weights and see
// the gradients of the same loss, for binary (the authors' ratio form), ternary (closed-form
// inverse) and 4 levels (Newton-bisection inverse), with Adam and with SGD.

// dL/dw of L = sum(0.5 (w - c)^2 + 0.1 cos(3 w)): a non-quadratic loss of the weights.
void loss_grad(ParamArena& arena, const Tensor& c) {
    const std::vector<float> w = arena.values().to_vector<float>();
    const std::vector<float> cv = c.to_vector<float>();
    std::vector<float> g(w.size());
    for (size_t i = 0; i < w.size(); ++i)
        g[i] = (w[i] - cv[i]) - 0.3f * std::sin(3.0f * w[i]);
    arena.grads().copy_(Tensor::from_vector(g, {static_cast<int64_t>(g.size())}));
}

TEST(MdEquivalence, MdTanhSReproducesPrimalMdTanhAtFixedBeta) {
    for (int d : {2, 3, 4}) {
        for (BaseOptimizer base : {BaseOptimizer::Adam, BaseOptimizer::Sgd}) {
            for (bool stable : {false, true}) {  // the authors' x, the dual coordinate (binary)
                auto ms = testing::param_zoo(), mp = testing::param_zoo();
                ParamArena as(*ms), ap(*mp);
                OptimConfig oc;
                oc.base = base;
                oc.lr = LrSchedule::constant(base == BaseOptimizer::Adam ? 1e-2 : 5e-2);
                oc.beta.beta0 = 1.5;  // fixed beta: rho = 1
                QuantConfig qs;
                qs.spec.method = Method::MdTanhS;
                qs.spec.levels = d;
                qs.spec.init = InitMode::Levels;
                QuantOptimizer s(as, qs, oc);
                ap.values().copy_(as.values());  // x0 = P(u0)
                QuantConfig qp = qs;
                qp.spec.method = Method::MdTanh;
                qp.spec.init = InitMode::FromValues;
                qp.spec.stable = stable;
                QuantOptimizer p(ap, qp, oc);
                const Tensor c = testing::random_tensor({as.size()}, 77, -0.8, 0.8);
                const Tensor start = as.values().clone();
                for (int t = 0; t < 20; ++t) {
                    loss_grad(as, c);
                    loss_grad(ap, c);
                    s.step();
                    p.step();
                }
                EXPECT_TRUE(testing::all_close(ap.values(), as.values(), 1e-4, 2e-5))
                    << "levels " << d << " " << base_optimizer_name(base) << " stable " << stable;
                // The iterates moved: this is not a comparison of two initial states.
                EXPECT_FALSE(testing::all_close(as.values(), start, 0, 0.05));
            }
        }
    }
}

}  // namespace
}  // namespace mdq
