// docs/DESIGN.md decision 2: the fused step's body runs on the CPU with a real CUDA grid shape,
// block by block and thread by thread, and must give bit for bit what the CPU path gives: the
// chunk table, the block and thread strides, the 4-wide unrolled accesses and the tails of the
// GPU mapping are thereby tested on every machine. One launch mixes several methods.
#include "optim/md_step.h"
#include "optim/quant_optimizer.h"
#include "tests/testing/quant_models.h"

namespace mdq {
namespace {

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

}  // namespace
}  // namespace mdq
