// The closed-form schedules against simulations of the loops they stand for (docs/METHOD.md 1.7,
// 2), the parser, and the per-iteration scalars.
#include <cmath>

#include "optim/base_step_math.h"
#include "tests/testing/md_reference.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

TEST(Schedule, BetaMatchesTheAuthorsLoop) {
    for (double rho : {1.02, 1.2, 2.0})
        for (int64_t interval : {1, 3, 200}) {
            BetaSchedule s;
            s.rho = rho;
            s.interval = interval;
            testing::RefHyper h;
            h.rho = rho;
            h.beta_interval = interval;
            for (int64_t t : {0, 1, 2, 3, 4, 199, 200, 201, 400, 401, 1000})
                EXPECT_NEAR(s.at(t), testing::ref_beta(h, t), 1e-12 * s.at(t)) << rho << " " << t;
        }
    BetaSchedule s;
    s.rho = 1.02;
    s.interval = 200;
    EXPECT_EQ(s.at(0), 1.0);   // beta_0 = 1
    EXPECT_EQ(s.at(1), 1.02);  // the first multiplication follows iteration 0
    // docs/METHOD.md 1.7's table: CIFAR-10 ResNet-18 MD-tanh-S reaches about 2.1e4 at the
    // last iteration.
    EXPECT_NEAR(s.at(100320 - 1), 2.1e4, 0.1e4);
    s.rho = 10.0;
    s.interval = 1;
    EXPECT_EQ(s.at(100), 1e35);  // the authors' BETAMAX
}

TEST(Schedule, StepLrHasTheAuthorsOffByOne) {
    const LrSchedule s = LrSchedule::step(1e-3, 30000, 0.3);
    testing::RefHyper h;
    h.lr0 = 1e-3;
    h.lr_gamma = 0.3;
    h.lr_step = 30000;
    for (int64_t t : {0, 1, 29999, 30000, 30001, 60000, 60001, 90001, 100319})
        EXPECT_NEAR(s.at(t), testing::ref_lr(h, t), 1e-18) << t;
    EXPECT_EQ(s.at(30000), 1e-3);                    // iteration 30000 still runs at lr0
    EXPECT_NEAR(s.at(100319), 1e-3 * 0.027, 1e-15);  // final lr = lr gamma^3
    // PyTorch >= 1.1 semantics decay after iteration 0 as well.
    const LrSchedule m = LrSchedule::step_modern(1e-3, 30000, 0.3);
    EXPECT_EQ(m.at(0), 1e-3);
    EXPECT_NEAR(m.at(1), 3e-4, 1e-18);
    EXPECT_NEAR(m.at(30001), 9e-5, 1e-18);
}

TEST(Schedule, MultiStepCosineWarmup) {
    const int64_t ms[] = {10, 25};
    const LrSchedule s = LrSchedule::multi_step(0.1, ms, 2, 0.1);
    EXPECT_EQ(s.at(9), 0.1);
    EXPECT_NEAR(s.at(10), 0.01, 1e-17);
    EXPECT_NEAR(s.at(25), 0.001, 1e-17);
    LrSchedule c = LrSchedule::cosine(0.1, 100, 0.001);
    EXPECT_EQ(c.at(0), 0.1);
    EXPECT_NEAR(c.at(50), 0.001 + 0.099 * 0.5, 1e-15);
    EXPECT_NEAR(c.at(100), 0.001, 1e-15);
    EXPECT_NEAR(c.at(500), 0.001, 1e-15);
    c.with_warmup(10);
    EXPECT_NEAR(c.at(0), 0.1 * 0.1, 1e-15);
    EXPECT_NEAR(c.at(4), LrSchedule::cosine(0.1, 100, 0.001).at(4) * 0.5, 1e-15);
    EXPECT_NEAR(c.at(9), LrSchedule::cosine(0.1, 100, 0.001).at(9), 1e-15);
}

TEST(Schedule, Parsing) {
    const LrSchedule s = parse_lr_schedule("step:30000:0.3", 1e-3);
    EXPECT_EQ(s.kind, LrKind::Step);
    EXPECT_EQ(s.step_size, 30000);
    EXPECT_EQ(s.gamma, 0.3);
    const LrSchedule m = parse_lr_schedule("multistep:100,200:0.1,warmup=5", 0.1);
    EXPECT_EQ(m.n_milestones, 2);
    EXPECT_EQ(m.milestones[1], 200);
    EXPECT_EQ(m.warmup, 5);
    EXPECT_EQ(parse_lr_schedule("cosine:1000", 0.1).total, 1000);
    EXPECT_EQ(parse_lr_schedule("constant", 0.1).at(77), 0.1);
    EXPECT_TRUE(throws_with([] { parse_lr_schedule("exp:3", 0.1); }, {"unknown kind", "step"}));
    EXPECT_TRUE(throws_with([] { parse_lr_schedule("step:x:0.3", 0.1); }, {"step size"}));
    EXPECT_TRUE(throws_with([] { parse_lr_schedule("step:10", 0.1); }, {"STEP_SIZE:GAMMA"}));
    EXPECT_TRUE(throws_with([] { parse_lr_schedule("multistep:20,10:0.1", 0.1); }, {"increase"}));
    BetaSchedule b;
    b.rho = 0.9;
    EXPECT_TRUE(throws_with([&] { b.validate(); }, {"rho", ">= 1"}));
    b.rho = 1.1;
    b.interval = 0;
    EXPECT_TRUE(throws_with([&] { b.validate(); }, {"interval"}));
}

TEST(Schedule, StepScalars) {
    Schedules s;
    s.lr = LrSchedule::step(1e-3, 2, 0.5);
    s.beta.rho = 2.0;
    s.prox.reg_rate = 3.0;
    s.prox.steps_per_epoch = 2;
    s.prox.freeze_step = 5;
    const StepScalars a = step_scalars(s, 0);
    EXPECT_FLOAT_EQ(a.adam_step, static_cast<float>(1e-3 * std::sqrt(1 - 0.999) / (1 - 0.9)));
    EXPECT_FLOAT_EQ(a.adamw_step, static_cast<float>(1e-3 / (1 - 0.9)));
    EXPECT_EQ(a.beta, 1.0f);
    EXPECT_EQ(a.beta_next, 2.0f);  // the projection after step t uses beta_{t+1}
    EXPECT_EQ(a.prox_lambda, 0.0f);
    const StepScalars b = step_scalars(s, 5);
    EXPECT_EQ(b.beta, 32.0f);
    EXPECT_FLOAT_EQ(b.lr, 2.5e-4f);
    EXPECT_FLOAT_EQ(b.prox_lambda, static_cast<float>(2.5e-4 * 3.0 * 2));
    EXPECT_EQ(b.prox_frozen, 1);
    EXPECT_EQ(step_scalars(s, 4).prox_frozen, 0);
}

}  // namespace
}  // namespace mdq
