// The quantizer formulas of kernels/quant/quant_math.h against closed forms
// (docs/METHOD.md 1.4-1.9), finite differences and independent f64 versions: level sets and tie
// rules, projections, derivatives, inverses (closed form for d <= 3, Newton-bisection above),
// primal MD steps including the authors' boundary behaviour, simplex maps, ProxQuant's prox.
#include <cmath>
#include <limits>

#include "kernels/quant/quant_math.h"
#include "tests/testing/md_reference.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using namespace math;

TEST(QuantMath, LevelSets) {
    EXPECT_EQ(level_value<float>(0, 2), -1.0f);
    EXPECT_EQ(level_value<float>(1, 2), 1.0f);
    EXPECT_EQ(level_value<float>(1, 3), 0.0f);
    EXPECT_EQ(level_value<float>(2, 4), 1.0f / 3.0f);
    EXPECT_EQ(level_midpoint<float>(0, 2), 0.0f);
    EXPECT_EQ(level_midpoint<float>(0, 3), -0.5f);
    EXPECT_EQ(level_midpoint<float>(1, 3), 0.5f);
    for (int d : {2, 3, 4, 5, 8, 16, 256}) {
        for (int k = 0; k < d; ++k) {
            EXPECT_EQ(level_value<float>(k, d), -level_value<float>(d - 1 - k, d)) << d;
            EXPECT_NEAR(level_value<double>(k, d), testing::ref_level(k, d), 1e-15);
            EXPECT_EQ(nearest_level(level_value<float>(k, d), d), k) << d << " " << k;
        }
    }
}

TEST(QuantMath, NearestLevelTies) {
    // Binary: sign(0) = +1 (docs/METHOD.md pitfall 4, decided): code 1.
    EXPECT_EQ(nearest_level(0.0f, 2), 1);
    EXPECT_EQ(nearest_level(-0.0f, 2), 1);
    EXPECT_EQ(nearest_level(-1e-30f, 2), 0);
    EXPECT_EQ(sign_code(0.0f), 1);
    EXPECT_EQ(sign_code(-1e-30f), 0);
    // Ternary thresholds of docs/METHOD.md 1.8: -1 for x <= -1/2, +1 for x >= 1/2.
    EXPECT_EQ(nearest_level(-0.5f, 3), 0);
    EXPECT_EQ(nearest_level(std::nextafter(-0.5f, 0.0f), 3), 1);
    EXPECT_EQ(nearest_level(0.5f, 3), 2);
    EXPECT_EQ(nearest_level(std::nextafter(0.5f, 0.0f), 3), 1);
    EXPECT_EQ(nearest_level(0.0f, 3), 1);
    // Even d > 2: the tie at 0 goes to the positive level, others away from 0.
    EXPECT_EQ(nearest_level(0.0f, 4), 2);
    EXPECT_EQ(nearest_level(level_midpoint<float>(2, 4), 4), 3);
    EXPECT_EQ(nearest_level(level_midpoint<float>(0, 4), 4), 0);
    // Out of range and NaN.
    EXPECT_EQ(nearest_level(5.0f, 3), 2);
    EXPECT_EQ(nearest_level(-std::numeric_limits<float>::infinity(), 3), 0);
    EXPECT_EQ(nearest_level(std::numeric_limits<float>::quiet_NaN(), 3), 0);
}

TEST(QuantMath, ProjectionsMatchClosedForms) {
    for (double beta : {0.5, 1.0, 3.0, 40.0}) {
        for (double u = -2.0; u <= 2.0; u += 0.173) {
            EXPECT_NEAR(tanh_projection(u, beta, 2), std::tanh(beta * u), 1e-15);
            EXPECT_NEAR(tanh_projection(u, beta, 3),
                        0.5 * (std::tanh(beta * (u + 0.5)) + std::tanh(beta * (u - 0.5))), 1e-15);
            for (int d : {4, 8, 16})
                EXPECT_NEAR(tanh_projection(u, beta, d), testing::ref_project(u, beta, d), 1e-14);
        }
    }
    // Saturated projections land exactly on the f32 levels.
    for (int d : {2, 3, 4, 8})
        for (int k = 0; k < d; ++k)
            EXPECT_EQ(tanh_projection(level_value<float>(k, d), 1e6f, d), level_value<float>(k, d))
                << d << " " << k;
    // beta at the cap: no inf * 0, no NaN.
    EXPECT_EQ(tanh_projection(0.5f, 1e35f, 3), 0.5f);
    EXPECT_EQ(tanh_projection(0.0f, 1e35f, 2), 0.0f);
    EXPECT_EQ(tanh_projection(-3.0f, 1e35f, 4), -1.0f);
}

TEST(QuantMath, ProjectionGradientIsTheDerivative) {
    for (int d : {2, 3, 4, 8}) {
        for (double beta : {0.7, 2.0, 9.0}) {
            for (double u = -1.5; u <= 1.5; u += 0.11) {
                const double h = 1e-6;
                const double fd =
                    (tanh_projection(u + h, beta, d) - tanh_projection(u - h, beta, d)) / (2 * h);
                EXPECT_NEAR(tanh_projection_grad(u, beta, d), fd, 1e-7 * std::max(1.0, fd));
                EXPECT_NEAR(tanh_projection_grad(u, beta, d), testing::ref_project_grad(u, beta, d),
                            1e-13 * beta);
            }
        }
    }
    EXPECT_EQ(sech2(1e30f), 0.0f);
    EXPECT_EQ(sech2(0.0f), 1.0f);
    EXPECT_EQ(tanh_projection_grad(0.3f, 1e35f, 3), 0.0f);
}

TEST(QuantMath, InverseRoundTrips) {
    for (int d : {2, 3, 4, 5, 8, 16}) {
        for (double beta : {0.5, 1.0, 4.0, 30.0, 200.0}) {
            for (double x = -0.995; x < 1.0; x += 0.0371) {
                const double u = tanh_projection_inverse(x, beta, d);
                EXPECT_NEAR(tanh_projection(u, beta, d), x, 1e-12) << d << " " << beta << " " << x;
                const float uf = tanh_projection_inverse(static_cast<float>(x), float(beta), d);
                EXPECT_NEAR(tanh_projection(uf, float(beta), d), x, 2e-5) << d << " " << beta;
            }
        }
    }
    // Ternary closed form (log1p branch and the large-beta branch) against
    // docs/METHOD.md's formula.
    for (double beta : {0.3, 1.0, 5.0, 19.0})
        for (double x : {-0.9, -0.2, 0.01, 0.4, 0.75, 0.999})
            EXPECT_NEAR(tanh_projection_inverse(x, beta, 3),
                        testing::ref_project_inverse(x, beta, 3), 1e-12);
    for (double beta : {25.0, 80.0, 1e4})
        for (double x : {0.2, 0.5, 0.9})
            EXPECT_NEAR(tanh_projection(tanh_projection_inverse(x, beta, 3), beta, 3), x, 1e-9);
    // Where P' is not tiny, the inverse recovers u.
    for (int d : {2, 3, 4, 8})
        for (double u = -0.9; u <= 0.9; u += 0.07)
            EXPECT_NEAR(tanh_projection_inverse(tanh_projection(u, 1.5, d), 1.5, d), u, 1e-9) << d;
    EXPECT_EQ(tanh_projection_inverse(1.0f, 2.0f, 3), std::numeric_limits<float>::infinity());
    EXPECT_EQ(tanh_projection_inverse(-1.0f, 2.0f, 8), -std::numeric_limits<float>::infinity());
    EXPECT_EQ(tanh_projection_inverse(0.0f, 2.0f, 4), 0.0f);
}

TEST(QuantMath, PrimalTanhStepIsMirrorDescent) {
    // Binary, the authors' ratio form: tanh(atanh(x) - beta delta).
    for (double x : {-0.9, -0.3, 0.0, 0.4, 0.95})
        for (double delta : {-0.2, 0.01, 0.3})
            EXPECT_NEAR(md_tanh_primal_step(x, delta, 2.0, 2, false),
                        std::tanh(std::atanh(x) - 2.0 * delta), 1e-12);
    // d levels: P(P^-1(x) - delta).
    for (int d : {3, 4, 8})
        for (double x : {-0.7, 0.1, 0.6})
            EXPECT_NEAR(
                md_tanh_primal_step(x, 0.05, 1.5, d, false),
                testing::ref_project(testing::ref_project_inverse(x, 1.5, d) - 0.05, 1.5, d), 1e-9);
    // The authors' boundary behaviour (docs/METHOD.md K5): -1 is absorbing, +1 can blow up to NaN.
    EXPECT_EQ(md_tanh_primal_step(-1.0f, -5.0f, 1.0f, 2, false), -1.0f);
    EXPECT_TRUE(std::isnan(md_tanh_primal_step(1.0f, -30.0f, 1.0f, 2, false)));
    // The stable option stays finite and can leave the boundary.
    const float s = md_tanh_primal_step(1.0f, -30.0f, 1.0f, 2, true);
    EXPECT_TRUE(std::isfinite(s));
    EXPECT_LT(md_tanh_primal_step(-1.0f, 5.0f, 1.0f, 2, true), 1.0f);
    EXPECT_GT(md_tanh_primal_step(-1.0f, -5.0f, 1.0f, 2, true), -1.0f);
    EXPECT_GT(md_tanh_primal_step(-1.0f, -5.0f, 1.0f, 3, true), -1.0f);
}

TEST(QuantMath, SimplexMaps) {
    float z[3] = {0.5f, 0.5000001f, -2.0f}, x[3];
    softmax_group(z, 3, 1e35f, x);  // beta (z - max z): no inf - inf
    EXPECT_EQ(x[0], 0.0f);
    EXPECT_EQ(x[1], 1.0f);
    EXPECT_EQ(x[2], 0.0f);
    EXPECT_EQ(collapse_group(x, 3), 0.0f);
    const float tie[2] = {1.0f, 1.0f};
    EXPECT_EQ(argmax_group(tie, 2), 0);  // ties to the first index
    // Binary identity of docs/METHOD.md 1.4 c: w = tanh(beta (z1 - z0) / 2).
    const double zb[2] = {0.3, -0.4};
    double xb[2];
    softmax_group(zb, 2, 1.7, xb);
    EXPECT_NEAR(collapse_group(xb, 2), std::tanh(1.7 * (zb[1] - zb[0]) / 2), 1e-15);
    // PMF: beta (g - <g, x> x); PICM: clipped, antisymmetric.
    const double g[2] = {0.2, -0.5};
    double gz[2];
    pmf_grad_group(g, xb, 2, 1.7, gz);
    const double dot = g[0] * xb[0] + g[1] * xb[1];
    EXPECT_NEAR(gz[0], 1.7 * (g[0] - dot * xb[0]), 1e-15);
    picm_grad_group(g, zb, gz);
    EXPECT_NEAR(gz[0], 0.35, 1e-15);
    EXPECT_NEAR(gz[1], -0.35, 1e-15);
    const double far[2] = {2.0, -0.5};
    picm_grad_group(g, far, gz);
    EXPECT_EQ(gz[0], 0.0);
    // Exponentiated gradient keeps the simplex; with the authors' numerics a coordinate
    // underflows to the 1e-20 floor, where x holds no more of its history.
    float xs[3] = {0.2f, 0.3f, 0.5f};
    const float dl[3] = {1.0f, -0.5f, 0.0f};
    md_softmax_primal_step(xs, dl, 3, 50.0f);
    EXPECT_NEAR(xs[0] + xs[1] + xs[2], 1.0f, 1e-6f);
    EXPECT_LT(xs[0], 1e-20f);
}

TEST(QuantMath, DualStepsAreTheSameMirrorSteps) {
    // Binary md-tanh on y = atanh(x): the same iterate as the ratio form where that is exact.
    for (double x : {-0.9, -0.3, 0.0, 0.4, 0.95})
        for (double delta : {-0.2, 0.01, 0.3})
            EXPECT_NEAR(std::tanh(md_tanh_dual_step(std::atanh(x), delta, 2.0)),
                        md_tanh_primal_step(x, delta, 2.0, 2, false), 1e-12);
    // Where the ratio form is NaN (x = 1 in f32), y stays finite and keeps its sign history:
    // a weight pushed far past 1 needs as large a push back to flip.
    float y = md_tanh_dual_step(20.0f, -30.0f, 1.0f);
    EXPECT_EQ(y, 50.0f);
    EXPECT_EQ(std::tanh(y), 1.0f);
    EXPECT_GT(md_tanh_dual_step(y, 49.0f, 1.0f), 0.0f);
    EXPECT_LT(md_tanh_dual_step(y, 51.0f, 1.0f), 0.0f);
    EXPECT_EQ(md_tanh_dual_step(1e30f, -1e35f, 1e5f), static_cast<float>(kDualMax));
    // md-softmax on z = log x: softmax of the new z is the exponentiated-gradient iterate.
    const double x0[3] = {0.2, 0.3, 0.5}, dd[3] = {0.1, -0.05, 0.02};
    double xp[3] = {x0[0], x0[1], x0[2]}, z[3], xz[3];
    for (int l = 0; l < 3; ++l)
        z[l] = std::log(x0[l]) + 7.0;  // any constant
    md_softmax_primal_step(xp, dd, 3, 3.0);
    md_softmax_dual_step(z, dd, 3, 3.0);
    softmax_group(z, 3, 1.0, xz);
    for (int l = 0; l < 3; ++l)
        EXPECT_NEAR(xz[l], xp[l], 1e-12) << l;
    EXPECT_EQ(std::max({z[0], z[1], z[2]}), 0.0);
    // Where x underflows, its log does not: the coordinate comes back by a step of its size.
    float zs[3] = {0.0f, 0.0f, 0.0f};
    const float dl[3] = {1.0f, -0.5f, 0.0f}, back[3] = {-1.0f, 0.5f, 0.0f};
    md_softmax_dual_step(zs, dl, 3, 50.0f);
    EXPECT_EQ(zs[0], -75.0f);
    md_softmax_dual_step(zs, back, 3, 50.0f);
    EXPECT_EQ(zs[0], 0.0f);
    EXPECT_EQ(zs[1], 0.0f);
}

TEST(QuantMath, ProxQuantProx) {
    // Binary: the W-shaped prox of ProxQuant (docs/METHOD.md 5).
    for (double t = -1.9; t <= 1.9; t += 0.037) {
        for (double lambda : {0.0, 0.05, 0.3}) {
            const double a = std::fabs(t) - 1;
            const double sgn_a = a > 0 ? 1 : (a < 0 ? -1 : 0);
            double w = (t > 0 ? 1 : -1) * (1 + sgn_a * std::max(std::fabs(a) - lambda, 0.0));
            w = std::max(-1.0, std::min(1.0, w));
            EXPECT_NEAR(prox_to_levels(t, lambda, 2), w, 1e-15) << t << " " << lambda;
        }
    }
    // Ternary: towards the nearest level, stopping on it.
    EXPECT_NEAR(prox_to_levels(0.3, 0.1, 3), 0.2, 1e-15);
    EXPECT_NEAR(prox_to_levels(0.7, 0.1, 3), 0.8, 1e-15);
    EXPECT_EQ(prox_to_levels(0.05, 0.1, 3), 0.0);
    EXPECT_EQ(prox_to_levels(3.0, 0.0, 3), 1.0);
}

}  // namespace
}  // namespace mdq
