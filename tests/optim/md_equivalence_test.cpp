// docs/METHOD.md 1.6: at a fixed beta, MD-tanh-S (u <- u - eta g, w = P(u)) reproduces the iterates
// of primal MD-tanh (x <- P(P^-1(x) - eta g)) when both start from the same weights and see
// the gradients of the same loss, for binary (the authors' ratio form), ternary (closed-form
// inverse) and 4 levels (Newton-bisection inverse), with Adam and with SGD.
#include "optim/quant_optimizer.h"
#include "tests/testing/quant_models.h"

namespace mdq {
namespace {

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
                << "levels " << d << " " << base_optimizer_name(base);
            // The iterates moved: this is not a comparison of two initial states.
            EXPECT_FALSE(testing::all_close(as.values(), start, 0, 0.05));
        }
    }
}

}  // namespace
}  // namespace mdq
