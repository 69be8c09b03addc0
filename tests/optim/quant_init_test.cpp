// Initialization: ternary and k-level networks use every level (the default for tanh u:
// Midpoints, each u near a transition of P_beta), the authors' Xavier init leaves ternary
// weights in the zero band (docs/METHOD.md pitfall 11, reproduced on request), binary keeps the
// authors' Xavier-uniform u.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/quant/quant_math.h"
#include "optim/quant_init.h"
#include "optim/quant_optimizer.h"
#include "tests/testing/quant_models.h"

namespace mdq {
namespace {

// A model with one large Conv2d weight (OHWI) and a Linear layer.
std::shared_ptr<Sequential> big_model() {
    auto m = std::make_shared<Sequential>();
    m->add(std::make_shared<testing::TestConv>(Shape{64, 3, 3, 64}, 1), "conv");
    m->add(std::make_shared<testing::TestLinear>(512, 10, 2), "fc");
    return m;
}

std::vector<double> level_fractions(const QuantOptimizer& opt, const std::string& name, int d) {
    std::vector<double> f(d, 0.0);
    const std::vector<uint8_t> c = opt.hard_codes(name).reshape({-1}).to_vector<uint8_t>();
    for (uint8_t k : c)
        f[k] += 1.0 / static_cast<double>(c.size());
    return f;
}

// Fractions of w0 ~ U(-1, 1) rounded to the nearest level: half a bin for the end levels.
void expect_uniform_rounding(const std::vector<double>& f, int d) {
    for (int k = 0; k < d; ++k) {
        const double expect = (k == 0 || k == d - 1 ? 0.5 : 1.0) / (d - 1);
        EXPECT_NEAR(f[k], expect, 0.15 * expect + 0.002) << d << " level " << k;
    }
}

TEST(QuantInit, KLevelWeightsUseEveryLevel) {
    for (int d : {3, 4, 8, 16}) {
        auto model = big_model();
        ParamArena arena(*model);
        QuantConfig qc;
        qc.spec.method = Method::MdTanhS;
        qc.spec.levels = d;
        qc.spec.init = InitMode::Levels;
        QuantOptimizer opt(arena, qc, OptimConfig{});
        // w0 ~ U(-1, 1): the end levels get half a bin, the inner ones a full bin.
        expect_uniform_rounding(level_fractions(opt, "conv.weight", d), d);
        for (double fk : level_fractions(opt, "fc.weight", d))
            EXPECT_GT(fk, 0.0) << d;
    }
}

// The default for d >= 3 md-tanh-s and gd-tanh (docs/QUANTIZATION.md 5): every u0 lies within
// the Xavier bound of a transition of P_beta (where Levels puts u0 up to ~4 spacings deep) and
// the levels at large beta are those of a uniform w0 rounded. Primal md-tanh keeps Levels.
TEST(QuantInit, KLevelTanhStartsNearTheTransitions) {
    for (Method method : {Method::MdTanhS, Method::GdTanh}) {
        for (int d : {3, 4, 8}) {
            QuantSpec spec;
            spec.method = method;
            spec.levels = d;
            ASSERT_EQ(resolved_init(spec), InitMode::Midpoints) << spec.str();
            auto model = big_model();
            ParamArena arena(*model);
            QuantConfig qc;
            qc.spec = spec;
            OptimConfig oc;
            oc.beta.beta0 = 1e6;  // hard codes of the transitions' sides
            QuantOptimizer opt(arena, qc, oc);
            expect_uniform_rounding(level_fractions(opt, "conv.weight", d), d);
            const double a = xavier_bound({64, 3, 3, 64});
            for (float u : opt.stored("conv.weight").reshape({-1}).to_vector<float>()) {
                double dist = 2.0;
                for (int i = 0; i + 1 < d; ++i)
                    dist = std::min(dist, std::fabs(u - math::level_midpoint<double>(i, d)));
                ASSERT_LE(dist, a * (1 + 1e-6)) << spec.str() << " u " << u;
            }
            for (float u : opt.stored("fc.bias").to_vector<float>())
                ASSERT_LE(std::fabs(u), 1.0 + 0.1 + 1e-6) << spec.str();
        }
    }
    QuantSpec primal;
    primal.method = Method::MdTanh;
    primal.levels = 3;
    EXPECT_EQ(resolved_init(primal), InitMode::Levels);
    QuantSpec binary;
    binary.method = Method::MdTanhS;
    EXPECT_EQ(resolved_init(binary), InitMode::Xavier);
    EXPECT_EQ(parse_init_mode("midpoints"), InitMode::Midpoints);
}

TEST(QuantInit, AuthorsXavierLeavesTernaryInTheZeroBand) {
    auto model = big_model();
    ParamArena arena(*model);
    QuantConfig qc;
    qc.spec.method = Method::MdTanhS;
    qc.spec.levels = 3;
    qc.spec.init = InitMode::Xavier;
    QuantOptimizer opt(arena, qc, OptimConfig{});
    EXPECT_GT(level_fractions(opt, "conv.weight", 3)[1], 0.999);  // pitfall 11
    const double a = xavier_bound({64, 3, 3, 64});
    EXPECT_NEAR(a, std::sqrt(6.0 / (576 + 576)), 1e-12);
    for (float u : opt.stored("conv.weight").reshape({-1}).to_vector<float>())
        ASSERT_LE(std::fabs(u), a);
}

TEST(QuantInit, BinaryKeepsTheAuthorsXavier) {
    auto model = big_model();
    ParamArena arena(*model);
    QuantConfig qc;
    qc.spec.method = Method::MdTanhS;
    QuantOptimizer opt(arena, qc, OptimConfig{});
    const Tensor u = opt.stored("conv.weight");
    const double a = xavier_bound(u.shape());
    double mx = 0;
    for (float v : u.reshape({-1}).to_vector<float>())
        mx = std::max(mx, double(std::fabs(v)));
    EXPECT_LE(mx, a);
    EXPECT_GT(mx, 0.95 * a);
    // Biases: N(0, 0.1^2); w0 = tanh(u0) at beta 1.
    const std::vector<float> b = opt.stored("fc.bias").to_vector<float>();
    const std::vector<float> w =
        arena.values()
            .slice(0, arena.slot("fc.bias").offset, arena.slot("fc.bias").offset + 10)
            .to_vector<float>();
    for (size_t i = 0; i < b.size(); ++i)
        EXPECT_FLOAT_EQ(w[i], std::tanh(b[i]));
    const std::vector<double> f = level_fractions(opt, "conv.weight", 2);
    EXPECT_NEAR(f[0], 0.5, 0.02);
}

TEST(QuantInit, SimplexAndProxQuantAndDeterminism) {
    auto model = big_model();
    ParamArena arena(*model);
    QuantConfig qc;
    qc.spec.method = Method::MdSoftmaxS;
    qc.spec.levels = 3;
    QuantOptimizer opt(arena, qc, OptimConfig{});
    // Xavier logits on the d-expanded shape: the argmax is uniform over the levels.
    for (double f : level_fractions(opt, "conv.weight", 3))
        EXPECT_NEAR(f, 1.0 / 3, 0.02);
    EXPECT_EQ(opt.stored("conv.weight").shape(), (Shape{192, 3, 3, 64}));
    // Same seed, same values; the stream is the parameter's index.
    auto model2 = big_model();
    ParamArena arena2(*model2);
    QuantOptimizer opt2(arena2, qc, OptimConfig{});
    EXPECT_TRUE(testing::all_equal(opt2.stored("fc.weight"), opt.stored("fc.weight")));
    // ProxQuant starts from the model's weights (warm start), clipped to [-1, 1].
    auto model3 = big_model();
    ParamArena arena3(*model3);
    const Tensor before = arena3.values().clone();
    QuantConfig pq;
    pq.spec.method = Method::ProxQuant;
    QuantOptimizer opt3(arena3, pq, OptimConfig{});
    EXPECT_TRUE(testing::all_equal(arena3.values(), before));
    // Levels init for the simplex methods: softmax mass on the two levels around w0.
    QuantConfig lv = qc;
    lv.spec.init = InitMode::Levels;
    auto model4 = big_model();
    ParamArena arena4(*model4);
    QuantOptimizer opt4(arena4, lv, OptimConfig{});
    for (double f : level_fractions(opt4, "conv.weight", 3))
        EXPECT_GT(f, 0.2);
}

}  // namespace
}  // namespace mdq
