// EWGS weight quantizer: the closed form, delta = 0 equal to the straight-through estimator bit for
// bit, delta > 0 scaling in the paper's direction, the gradients of l, u (straight-through) and
// alpha (exact, f64 gradcheck) against central differences, the Hessian probe's gradient, the
// calibration of a Linear layer, and bad arguments.
#include <cmath>

#include "kernels/ops.h"
#include "layers/linear.h"
#include "layers/weight_quant.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::all_equal;
using testing::random_tensor;
using testing::throws_with;

// A quantizer with interval [lo, hi] and output scale alpha, in dtype dt.
std::shared_ptr<EwgsWeightQuant> make(int levels, double delta, double lo, double hi, double alpha,
                                      DType dt = DType::F32) {
    auto q = std::make_shared<EwgsWeightQuant>(levels, delta);
    for (auto& [name, p] : q->named_parameters()) {
        p->value = p->value.to(dt).detach().set_requires_grad(true);
        p->value.fill_(name == "lower" ? lo : name == "upper" ? hi : alpha);
    }
    return q;
}

TEST(EwgsWeightQuant, ClosedForm) {
    // [l, u] = [-1, 1], 4 levels: x_n = (w + 1)/2 rounds to 0, 1/3, 2/3, 1 -> -1, -1/3, 1/3, 1.
    auto q = make(4, 0.0, -1.0, 1.0, -0.5);  // |alpha| = 0.5
    Tensor w = Tensor::from_vector(std::vector<float>{-2.f, -0.5f, 0.1f, 0.4f, 0.9f, 3.f}, {6});
    Tensor y = (*q)(w);
    EXPECT_TRUE(all_close(
        y, Tensor::from_vector(std::vector<float>{-0.5f, -0.5f / 3, 0.5f / 3, 0.5f / 3, 0.5f, 0.5f},
                               {6})));
}

// dL/dw for the upstream gradient g, with [l, u] = [-1, 1] and alpha = 0.5 (so the chain
// factor 2 |alpha| / (u - l) is exactly 1/2).
Tensor latent_grad(const Tensor& w, double delta, const Tensor& g) {
    auto q = make(4, delta, -1.0, 1.0, 0.5);
    Tensor wr = w.detach().set_requires_grad(true);
    (*q)(wr).backward(g);
    return wr.grad();
}

TEST(EwgsWeightQuant, DeltaZeroIsStraightThroughExactly) {
    Tensor w = random_tensor({64}, 5, -1.5, 1.5), g = random_tensor({64}, 6);
    Tensor inside =
        mul(ge(w, Tensor::scalar(-1.0)).to(DType::F32), le(w, Tensor::scalar(1.0)).to(DType::F32));
    EXPECT_TRUE(all_equal(latent_grad(w, 0.0, g), g * inside * 0.5));
}

TEST(EwgsWeightQuant, DeltaScalesAsThePaperSays) {
    // x_n = (w + 1)/2. w = -0.2: x_n = 0.4 above its level 1/3; w = 0.2: x_n = 0.6 below 2/3.
    Tensor w = Tensor::from_vector(std::vector<float>{-0.2f, 0.2f, -0.2f, 0.2f}, {4});
    Tensor g = Tensor::from_vector(std::vector<float>{1, 1, -1, -1}, {4});
    const Tensor ste = latent_grad(w, 0.0, g), ewgs = latent_grad(w, 0.5, g);
    const float *s = ste.data<float>(), *e = ewgs.data<float>();
    // g > 0 asks to decrease the weight: amplified above the level, damped below; mirrored.
    EXPECT_GT(e[0], s[0]);
    EXPECT_LT(e[1], s[1]);
    EXPECT_GT(e[2], s[2]);
    EXPECT_LT(e[3], s[3]);
    // g_xq = 2 |alpha| g = g; dL/dw = g_xq (1 + delta sign(g_xq) (x_n - x_q)) / (u - l).
    EXPECT_NEAR(e[0], (1.0 + 0.5 * (0.4 - 1 / 3.0)) / 2, 1e-6);
    EXPECT_NEAR(e[3], -(1.0 + 0.5 * (2 / 3.0 - 0.6)) / 2, 1e-6);
}

// |alpha| (2 x_n - 1) without the rounding: the map the straight-through backward differentiates.
double surrogate(double w, double lo, double hi, double alpha) {
    const double xn = std::min(std::max((w - lo) / (hi - lo), 0.0), 1.0);
    return std::fabs(alpha) * (2 * xn - 1);
}

TEST(EwgsWeightQuant, IntervalGradientsAreStraightThroughF64) {
    const double lo = -0.7, hi = 0.9, alpha = 1.3, eps = 1e-7;
    auto q = make(8, 0.0, lo, hi, alpha, DType::F64);
    Tensor w = random_tensor({5, 7}, 3, -1.2, 1.2, DType::F64).set_requires_grad(true);
    Tensor c = random_tensor({5, 7}, 4, -1, 1, DType::F64);
    (*q)(w).backward(c);
    double dl = 0, du = 0;
    for (int64_t i = 0; i < w.numel(); ++i) {
        const double wi = w.data<double>()[i], ci = c.data<double>()[i];
        const double dw =
            (surrogate(wi + eps, lo, hi, alpha) - surrogate(wi - eps, lo, hi, alpha)) / (2 * eps);
        EXPECT_NEAR(w.grad().data<double>()[i], ci * dw, 1e-6) << "element " << i;
        dl += ci * (surrogate(wi, lo + eps, hi, alpha) - surrogate(wi, lo - eps, hi, alpha)) /
              (2 * eps);
        du += ci * (surrogate(wi, lo, hi + eps, alpha) - surrogate(wi, lo, hi - eps, alpha)) /
              (2 * eps);
    }
    EXPECT_NEAR(q->lower().grad().item<double>(), dl, 1e-6);
    EXPECT_NEAR(q->upper().grad().item<double>(), du, 1e-6);
}

TEST(EwgsWeightQuant, ScaleGradientIsExactF64) {
    // The output is smooth in alpha (the rounding does not depend on it): a true gradcheck.
    auto q = make(4, 0.3, -1.0, 1.0, 1.0, DType::F64);
    Tensor w = random_tensor({6, 5}, 7, -1.2, 1.2, DType::F64);
    for (double alpha : {0.8, -1.7}) {
        Tensor a = Tensor::full({1}, alpha, DType::F64).set_requires_grad(true);
        EXPECT_TRUE(testing::gradcheck(
            [&](const std::vector<Tensor>& in) {
                q->named_parameters()[2].second->value = in[0];
                return (*q)(w);
            },
            {a}));
    }
}

TEST(EwgsWeightQuant, ProbeGivesTheGradientOfTheRoundedWeight) {
    auto q = make(4, 0.0, -1.0, 1.0, 0.75);
    Tensor w = random_tensor({3, 4}, 8).set_requires_grad(true);
    Tensor off = random_tensor({3, 4}, 9, -0.01, 0.01), c = random_tensor({3, 4}, 10);
    q->probe().arm(off);
    Tensor y = (*q)(w);
    const Tensor point = q->probe().point();
    // At x_q + offset: y = |alpha| (2 (x_q + offset) - 1), so dL/dx_q = 2 |alpha| c.
    q->probe().disarm();
    EXPECT_FALSE(q->probe().point().defined());
    const Tensor yq = (*q)(w.detach());
    EXPECT_TRUE(all_close(y.detach(), yq + off * 1.5, 1e-5, 1e-6));
    y.backward(c);
    EXPECT_TRUE(all_close(point.grad(), c * 1.5));
    EXPECT_FALSE(w.grad().defined());  // the latent weight is off the probe's graph
}

TEST(EwgsWeightQuant, LinearCalibratesItsIntervalAndScale) {
    Linear fc(16, 8, false);
    attach_weight_quantizers(fc, 0.0,
                             [](const std::string& name) { return name == "weight" ? 4 : 0; });
    ASSERT_EQ(weight_quantizers(fc).size(), 1u);
    EwgsWeightQuant& q = *weight_quantizers(fc)[0].second;
    Tensor x = random_tensor({32, 16}, 11);
    calibrate_weight_quantizers(fc, x);
    const Tensor w = fc.weight().value;
    const double mu = mean(w).item<double>(), sd = std::sqrt(mean(w * w).item<double>() - mu * mu);
    EXPECT_NEAR(q.upper().item<double>(), 3 * sd, 1e-5);
    EXPECT_NEAR(q.lower().item<double>(), -3 * sd, 1e-5);
    // alpha makes the quantized layer's output as large on average as the float one's.
    NoGradGuard no_grad;
    const Tensor yq = fc(x), yf = linear(x, w, Tensor());
    EXPECT_NEAR(mean(abs(yq)).item<double>(), mean(abs(yf)).item<double>(),
                1e-5 * mean(abs(yf)).item<double>());
    EXPECT_TRUE(all_close(yq, linear(x, q(w), Tensor())));
    EXPECT_EQ(fc.own_parameters(), 16 * 8);
}

TEST(EwgsWeightQuant, BadArgumentsAreClearErrors) {
    EXPECT_TRUE(throws_with([] { EwgsWeightQuant q(1); }, {"levels must be in [2, 65536]"}));
    EXPECT_TRUE(throws_with([] { EwgsWeightQuant q(4, -0.1); }, {"delta must be finite"}));
    EwgsWeightQuant q(4);
    EXPECT_TRUE(throws_with([&] { q.set_scale(0.0); }, {"nonzero"}));
    q.probe().arm(Tensor::zeros({3}));
    EXPECT_TRUE(throws_with([&] { q(Tensor::zeros({4})); }, {"probe offset"}));
    Linear fc(4, 2);
    attach_weight_quantizers(fc, 0.0, [](const std::string&) { return 2; });
    EXPECT_TRUE(
        throws_with([&] { fc.attach_weight_quantizer(std::make_shared<EwgsWeightQuant>(2)); },
                    {"already attached"}));
}

TEST(EwgsWeightQuant, DeltaIsKeptInABuffer) {
    EwgsWeightQuant q(4, 0.25);
    EXPECT_EQ(q.state_dict().at("delta").item<double>(), 0.25);
    std::map<std::string, Tensor> s = q.state_dict();
    s.at("delta") = Tensor::full({1}, 0.125);
    q.load_state_dict(s);
    q.reload_delta();
    EXPECT_EQ(q.delta(), 0.125);
}

}  // namespace
}  // namespace mdq
