// The fused step equals the unfused chain of existing elementwise kernels it replaces
// (STYLE 3.3): MD-tanh-S, binary and ternary, Adam and SGD with momentum, bf16 copy included.
#include "optim/md_unfused.h"
#include "tests/testing/quant_models.h"

namespace mdq {
namespace {

TEST(MdUnfused, FusedEqualsUnfusedChain) {
    for (int levels : {2, 3}) {
        for (BaseOptimizer base : {BaseOptimizer::Adam, BaseOptimizer::Sgd}) {
            auto ma = testing::param_zoo(), mb = testing::param_zoo();
            ParamArena aa(*ma), ab(*mb);
            aa.enable_compute_copy(DType::BF16);
            ab.enable_compute_copy(DType::BF16);
            QuantConfig qc;
            qc.spec.method = Method::MdTanhS;
            qc.spec.levels = levels;
            OptimConfig oc;
            oc.base = base;
            oc.momentum = base == BaseOptimizer::Sgd ? 0.9 : 0.0;
            oc.beta.rho = 1.4;
            QuantOptimizer a(aa, qc, oc), b(ab, qc, oc);
            const Tensor scratch = Tensor::empty({2, 2115});
            int64_t launches = 0;
            for (int64_t t = 0; t < 3; ++t) {
                const Tensor g = testing::random_tensor({aa.size()}, 70 + t, -1, 1);
                aa.grads().copy_(g);
                ab.grads().copy_(g);
                a.step();
                const StepScalars sc = step_scalars(b.host_control().sched, t);
                launches = md_tanh_s_step_unfused(b, {sc.adam_step, sc.lr, sc.beta_next}, scratch);
            }
            const int64_t per_tensor = (base == BaseOptimizer::Adam ? 9 : 3) + 1;
            EXPECT_EQ(launches, 6 * per_tensor + 5 * (levels == 2 ? 2 : 8));
            EXPECT_TRUE(testing::all_close(ab.values(), aa.values(), 2e-6, 1e-7));
            EXPECT_TRUE(testing::all_close(ab.compute_values(), aa.compute_values(), 1e-2, 1e-3));
            EXPECT_TRUE(
                testing::all_close(b.stored("fc1.weight"), a.stored("fc1.weight"), 2e-6, 1e-7));
        }
    }
}

TEST(MdUnfused, RejectsOtherMethods) {
    auto m = testing::param_zoo();
    ParamArena arena(*m);
    QuantConfig qc;
    qc.spec.method = Method::GdTanh;
    QuantOptimizer opt(arena, qc, OptimConfig{});
    EXPECT_TRUE(testing::throws_with(
        [&] {
            md_tanh_s_step_unfused(opt, {}, Tensor::empty({2, 2115}));
        },
        {"'fc1.weight' is gd-tanh/2", "expected md-tanh-s"}));
}

}  // namespace
}  // namespace mdq
