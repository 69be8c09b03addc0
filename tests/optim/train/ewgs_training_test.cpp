// method=ewgs in training: the quantizers land on the layers the run quantizes (exempt ones
// stay float, biases too), their learning-rate rule, and the Hessian delta of a linear layer
// with cross-entropy against the exact Hessian and gradient with respect to x_q (within four
// standard errors of the probe count), with the model left as it was.
#include <cmath>

#include "kernels/ops.h"
#include "layers/linear.h"
#include "models/registry.h"
#include "optim/train/ewgs_training.h"
#include "optim/train/train_config.h"
#include "optim/train/train_setup.h"
#include "optim/train/trainer.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::random_tensor;
using testing::throws_with;

TEST(EwgsTraining, QuantizersOnTheQuantizedWeightsOnly) {
    const Config cfg =
        make_train_config_from("", {"method=ewgs", "levels=4", "exempt=fc2.*", "ewgs_delta=0.002"});
    ModulePtr model = build_model("small-cnn");
    QuantConfig q = quant_config_from(cfg);
    add_ewgs_rules(cfg, q);
    EXPECT_EQ(attach_ewgs_quantizers(*model, q, cfg), 3);  // conv1, conv2, fc1
    const auto qs = weight_quantizers(*model);
    ASSERT_EQ(qs.size(), 3u);
    EXPECT_EQ(qs[0].first, "conv1.weight");
    EXPECT_EQ(qs[2].first, "fc1.weight");
    EXPECT_EQ(qs[0].second->levels(), 4);
    EXPECT_EQ(qs[0].second->delta(), 0.002);
    for (auto& [name, p] : model->named_parameters()) {
        const QuantSpec s = q.resolve(name, *p);
        if (name == "conv1.weight") {
            EXPECT_EQ(s.method, Method::Ewgs);
        }
        if (name == "conv1.bias" || name == "fc2.weight") {
            EXPECT_EQ(s.method, Method::Float);
        }
    }
}

TEST(EwgsTraining, HessianDeltaOfALinearLayerMatchesTheExactOne) {
    const int64_t n = 6, in = 4, out = 3;
    Linear fc(in, out, false);
    attach_weight_quantizers(fc, 0.0, [](const std::string&) { return 4; });
    EwgsWeightQuant& q = *weight_quantizers(fc)[0].second;
    q.calibrate_interval(fc.weight().value);
    const double alpha = 0.8;
    q.set_scale(alpha);
    const Tensor x = random_tensor({n, in}, 41, -1.5, 1.5);
    const Tensor y = Tensor::from_vector<int64_t>({0, 2, 1, 1, 0, 2}, {n});
    EwgsHessianOptions o;
    o.batches = 3;  // the same batch three times: the average of three independent estimates
    o.probes.max_probes = 200;
    o.probes.rel_tol = 0;
    int given = 0;
    const auto deltas = ewgs_hessian_deltas(
        fc,
        [&](Tensor& xb, Tensor& yb) {
            if (given == o.batches) return false;
            ++given, xb = x, yb = y;
            return true;
        },
        o);
    ASSERT_EQ(deltas.size(), 1u);
    EXPECT_EQ(deltas[0].name, "weight");
    EXPECT_EQ(deltas[0].probes, 3 * 200);

    // Exact: z = x W^T with W = |alpha| (2 x_q - 1), L = mean CE. H_xq = 4 alpha^2 H_W,
    // H_W[(k,i),(l,j)] = (1/n) sum_b (p_bk [k = l] - p_bk p_bl) x_bi x_bj; g_xq = 2 |alpha| g_W.
    NoGradGuard no_grad;
    const Tensor p = softmax(fc(x), 1);
    const int64_t m = out * in;
    std::vector<double> h(m * m, 0.0), g(m, 0.0);
    for (int64_t b = 0; b < n; ++b)
        for (int64_t k = 0; k < out; ++k) {
            const double pk = p.data<float>()[b * out + k];
            for (int64_t i = 0; i < in; ++i) {
                const double xi = x.data<float>()[b * in + i];
                g[k * in + i] += 2 * alpha * (pk - (y.data<int64_t>()[b] == k)) * xi / n;
                for (int64_t l = 0; l < out; ++l) {
                    const double pl = p.data<float>()[b * out + l];
                    for (int64_t j = 0; j < in; ++j)
                        h[(k * in + i) * m + l * in + j] += 4 * alpha * alpha *
                                                            (pk * (k == l) - pk * pl) * xi *
                                                            x.data<float>()[b * in + j] / n;
                }
            }
        }
    double trace = 0, off = 0, gm = 0, gsq = 0;
    for (int64_t a = 0; a < m; ++a) {
        trace += h[a * m + a];
        gm += g[a] / m;
        gsq += g[a] * g[a] / m;
        for (int64_t c = 0; c < m; ++c)
            if (a != c) off += h[a * m + c] * h[a * m + c];
    }
    const double se = std::sqrt(2 * off / (3 * 200)) / m;  // of Tr(H)/N
    EXPECT_NEAR(deltas[0].trace_per_elem, trace / m, 4 * se + 1e-4 * trace / m)
        << "standard error " << se;
    const double sd = std::sqrt(gsq - gm * gm);
    EXPECT_NEAR(deltas[0].grad_std, sd, 1e-5 * sd);
    EXPECT_NEAR(deltas[0].delta, deltas[0].trace_per_elem / (3 * deltas[0].grad_std + 1e-8), 1e-12);
    // Nothing of the model changed: no probe left, no gradient, delta untouched until applied.
    EXPECT_FALSE(q.probe_point().defined());
    const Tensor wg = fc.weight().value.grad();
    EXPECT_TRUE(!wg.defined() || sum(abs(wg)).item<double>() == 0.0);
    EXPECT_EQ(q.delta(), 0.0);
    apply_ewgs_deltas(fc, deltas);
    EXPECT_EQ(q.delta(), deltas[0].delta);
}

TEST(EwgsTraining, NoBatchIsAClearError) {
    Linear fc(4, 2, false);
    attach_weight_quantizers(fc, 0.0, [](const std::string&) { return 2; });
    EXPECT_TRUE(throws_with(
        [&] {
            ewgs_hessian_deltas(
                fc, [](Tensor&, Tensor&) { return false; }, EwgsHessianOptions{});
        },
        {"gave no batch"}));
}

}  // namespace
}  // namespace mdq
