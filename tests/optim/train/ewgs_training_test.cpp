// method=ewgs in training: the quantizers land on the layers the run quantizes (exempt ones
// stay float, biases too), their learning-rate rule, and the Hessian delta of a linear layer
// with cross-entropy against the exact Hessian and gradient with respect to x_q (within four
// standard errors of the probe count), with the model left as it was.
#include <cmath>
#include <memory>

#include "kernels/ops.h"
#include "layers/act_quant.h"
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

// The same batch `times` times.
EwgsBatchSource repeat(const Tensor& x, const Tensor& y, int times) {
    auto given = std::make_shared<int>(0);
    return [=](Tensor& xb, Tensor& yb) {
        if (*given == times) return false;
        ++*given, xb = x, yb = y;
        return true;
    };
}

// d against the exact Hessian h (m x m, row-major) and gradient g (m) of its block: Tr(H)/N
// within four standard errors of `probes` Rademacher probes (variance 2 sum_{a != c} H_ac^2),
// std(g) to float precision.
void expect_exact(const EwgsLayerDelta& d, const std::vector<double>& h,
                  const std::vector<double>& g, int probes) {
    const int64_t m = static_cast<int64_t>(g.size());
    double trace = 0, off = 0, gm = 0, gsq = 0;
    for (int64_t a = 0; a < m; ++a) {
        trace += h[a * m + a];
        gm += g[a] / m;
        gsq += g[a] * g[a] / m;
        for (int64_t c = 0; c < m; ++c)
            if (a != c) off += h[a * m + c] * h[a * m + c];
    }
    const double se = std::sqrt(2 * off / probes) / m;
    EXPECT_NEAR(d.trace_per_elem, trace / m, 4 * se + 1e-4 * trace / m)
        << d.name << ", standard error " << se;
    const double sd = std::sqrt(gsq - gm * gm);
    EXPECT_NEAR(d.grad_std, sd, 1e-5 * sd) << d.name;
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
    const auto deltas = ewgs_hessian_deltas(fc, repeat(x, y, o.batches), o);
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
    expect_exact(deltas[0], h, g, 3 * 200);
    EXPECT_NEAR(deltas[0].delta, deltas[0].trace_per_elem / (3 * deltas[0].grad_std + 1e-8), 1e-12);
    // Nothing of the model changed: no probe left, no gradient, delta untouched until applied.
    EXPECT_FALSE(q.probe().armed());
    const Tensor wg = fc.weight().value.grad();
    EXPECT_TRUE(!wg.defined() || sum(abs(wg)).item<double>() == 0.0);
    EXPECT_EQ(q.delta(), 0.0);
    apply_ewgs_deltas(fc, deltas);
    EXPECT_EQ(q.delta(), deltas[0].delta);
}

LayerIoBits ewgs_input(int grad_bits = 0) {
    LayerIoBits b;
    b.act_bits = 2;
    b.act_kind = ActQuantKind::Ewgs;
    b.grad_bits = grad_bits;
    return b;
}

// The block of a layer's quantized input x_q [n, in]: z_b = W x_q,b and L = (1/n) sum_b CE, so
// the Hessian is block diagonal over the samples, H_b = (1/n) W^T (diag p_b - p_b p_b^T) W,
// and g_b = (1/n) W^T (p_b - e_yb).
TEST(EwgsTraining, HessianDeltaOfAnActivationQuantizerMatchesTheExactOne) {
    const int64_t n = 5, in = 4, out = 3;
    Linear fc(in, out, false);
    attach_act_quantizers(fc, [](const std::string&, int) { return ewgs_input(); });
    ActQuant& q = *act_quantizers(fc)[0].second;
    const Tensor x = random_tensor({n, in}, 43, 0.0, 2.0);
    q.calibrate(x);
    const Tensor y = Tensor::from_vector<int64_t>({2, 0, 1, 2, 1}, {n});
    EwgsHessianOptions o;
    o.batches = 3;
    o.probes.max_probes = 200;
    o.probes.rel_tol = 0;
    const auto deltas = ewgs_hessian_deltas(fc, repeat(x, y, o.batches), o);
    ASSERT_EQ(deltas.size(), 1u);
    EXPECT_EQ(deltas[0].name, "act_quant");

    NoGradGuard no_grad;
    const Tensor p = softmax(fc(x), 1);
    const Tensor& w = fc.weight().value;
    const int64_t m = n * in;
    std::vector<double> h(m * m, 0.0), g(m, 0.0);
    for (int64_t b = 0; b < n; ++b)
        for (int64_t k = 0; k < out; ++k) {
            const double pk = p.data<float>()[b * out + k];
            for (int64_t i = 0; i < in; ++i) {
                const double wki = w.data<float>()[k * in + i];
                g[b * in + i] += wki * (pk - (y.data<int64_t>()[b] == k)) / n;
                for (int64_t l = 0; l < out; ++l) {
                    const double pl = p.data<float>()[b * out + l];
                    for (int64_t j = 0; j < in; ++j)
                        h[(b * in + i) * m + b * in + j] +=
                            wki * (pk * (k == l) - pk * pl) * w.data<float>()[l * in + j] / n;
                }
            }
        }
    expect_exact(deltas[0], h, g, 3 * 200);
    EXPECT_FALSE(q.probe().armed());
    EXPECT_EQ(q.delta(), 0.0);
    apply_ewgs_deltas(fc, deltas);
    EXPECT_EQ(q.delta(), deltas[0].delta);
    EXPECT_EQ(q.state_dict().at("delta").item<double>(), deltas[0].delta);
}

// Weights and inputs together, weights first; a gradient quantizer on the layer's output does
// not enter the estimate (its noise would swamp the finite differences).
TEST(EwgsTraining, WeightsAndInputsTogetherWithTheGradientQuantizerBypassed) {
    auto make = [](int grad_bits) {
        auto fc = std::make_shared<Linear>(6, 3, false);
        attach_weight_quantizers(*fc, 0.0, [](const std::string&) { return 4; });
        attach_act_quantizers(*fc, [=](const std::string&, int) { return ewgs_input(grad_bits); });
        return fc;
    };
    auto plain = make(0), with_grad_quant = make(2);
    with_grad_quant->load_state_dict(plain->state_dict());
    const Tensor x = random_tensor({8, 6}, 44, 0.0, 2.0);
    const Tensor y = Tensor::from_vector<int64_t>({0, 1, 2, 0, 1, 2, 0, 1}, {8});
    EwgsHessianOptions o;
    o.batches = 2;
    o.probes.max_probes = 20;
    const auto a = ewgs_hessian_deltas(*plain, repeat(x, y, 2), o);
    const auto b = ewgs_hessian_deltas(*with_grad_quant, repeat(x, y, 2), o);
    ASSERT_EQ(a.size(), 2u);
    EXPECT_EQ(a[0].name, "weight");
    EXPECT_EQ(a[1].name, "act_quant");
    ASSERT_EQ(b.size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
        EXPECT_GT(a[i].trace_per_elem, 0.0) << a[i].name;
        EXPECT_EQ(a[i].trace_per_elem, b[i].trace_per_elem) << a[i].name;
        EXPECT_EQ(a[i].grad_std, b[i].grad_std) << a[i].name;
    }
    EXPECT_TRUE(throws_with([&] { apply_ewgs_deltas(*plain, {{"fc9.act_quant"}}); },
                            {"no EWGS quantizer named 'fc9.act_quant'"}));
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
