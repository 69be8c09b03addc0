// The standalone projection kernels (docs/METHOD.md K1, K2, K4): values against the math, the chain
// rule as an autograd op (f64 gradient check), and the softmax-family backward against finite
// differences of its forward; the grid bodies at the CUDA launch shape and an odd one.
#include <cmath>

#include "kernels/quant/project.h"
#include "kernels/quant/project_impl.h"
#include "kernels/quant/project_math.h"
#include "tests/testing/grid_emulation.h"
#include "tests/testing/md_reference.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

TEST(Project, TanhFamilyKernels) {
    for (int d : {2, 3, 4, 8}) {
        const Tensor u = testing::random_tensor({3, 37}, d, -1.5, 1.5, DType::F64);
        Tensor w = Tensor::full(u.shape(), NAN, DType::F64), g = w.clone(), x = w.clone();
        tanh_project_into(u, 2.5, d, w);
        const Tensor gw = testing::random_tensor(u.shape(), d + 9, -1, 1, DType::F64);
        tanh_project_grad_into(u, gw, 2.5, d, g);
        tanh_project_inverse_into(w, 2.5, d, x);
        const auto uv = u.to_vector<double>(), wv = w.to_vector<double>(),
                   gv = g.to_vector<double>(), gwv = gw.to_vector<double>();
        for (size_t i = 0; i < uv.size(); ++i) {
            ASSERT_NEAR(wv[i], testing::ref_project(uv[i], 2.5, d), 1e-14);
            ASSERT_NEAR(gv[i], gwv[i] * testing::ref_project_grad(uv[i], 2.5, d), 1e-13);
        }
        EXPECT_TRUE(testing::all_close(x, u, 1e-8, 1e-8)) << d;
        // f32 through the vectorized layout.
        const Tensor uf = u.to(DType::F32);
        Tensor wf = Tensor::full(u.shape(), NAN);
        tanh_project_into(uf, 2.5, d, wf);
        EXPECT_TRUE(testing::all_close(wf, w, 1e-6, 1e-6));
    }
}

TEST(Project, TanhProjectIsDifferentiable) {
    for (int d : {2, 3, 5}) {
        const Tensor u =
            testing::random_tensor({4, 5}, 3, -1, 1, DType::F64).set_requires_grad(true);
        EXPECT_TRUE(testing::gradcheck(
            [d](const std::vector<Tensor>& in) { return tanh_project(in[0], 1.7, d); }, {u}));
    }
}

TEST(Project, SoftmaxFamilyKernels) {
    const int d = 3;
    const Shape wshape{4, 5};
    const Tensor z = testing::random_tensor({4 * d, 5}, 21, -1, 1);
    Tensor w = Tensor::full(wshape, NAN);
    softmax_project_into(z, 1.3, d, w);
    const auto zv = z.to_vector<float>();
    const auto wv = w.to_vector<float>();
    auto logit = [&](const std::vector<float>& v, int j, int r, int l) {
        return v[static_cast<size_t>((j * d + l) * 5 + r)];
    };
    for (int j = 0; j < 4; ++j)
        for (int r = 0; r < 5; ++r) {
            double s = 0, acc = 0;
            for (int l = 0; l < d; ++l) {
                const double e = std::exp(1.3 * logit(zv, j, r, l));
                s += e;
                acc += testing::ref_level(l, d) * e;
            }
            EXPECT_NEAR(wv[j * 5 + r], acc / s, 1e-6);
        }
    // The exact backward against central differences of L = sum(c * w).
    const Tensor c = testing::random_tensor(wshape, 22, -1, 1);
    Tensor gz = Tensor::full(z.shape(), NAN);
    softmax_project_grad_into(z, c, 1.3, d, SimplexGrad::Exact, gz);
    const auto gzv = gz.to_vector<float>();
    const auto cv = c.to_vector<float>();
    for (size_t k = 0; k < zv.size(); k += 7) {
        auto loss = [&](float dz) {
            std::vector<float> zp = zv;
            zp[k] += dz;
            Tensor wp = Tensor::empty(wshape);
            softmax_project_into(Tensor::from_vector(zp, z.shape()), 1.3, d, wp);
            double l = 0;
            const auto wpv = wp.to_vector<float>();
            for (size_t i = 0; i < cv.size(); ++i)
                l += double(cv[i]) * wpv[i];
            return l;
        };
        EXPECT_NEAR(gzv[k], (loss(1e-2f) - loss(-1e-2f)) / 2e-2, 2e-4) << k;
    }
    // PMF's approximation and the identity (MD-softmax-S) map.
    Tensor gp = Tensor::full(z.shape(), NAN), gi = Tensor::full(z.shape(), NAN);
    softmax_project_grad_into(z, c, 1.3, d, SimplexGrad::Pmf, gp);
    softmax_project_grad_into(z, c, 1.3, d, SimplexGrad::Identity, gi);
    const auto gpv = gp.to_vector<float>(), giv = gi.to_vector<float>();
    for (int j = 0; j < 4; ++j)
        for (int r = 0; r < 5; ++r) {
            double x[d], s = 0, dot = 0;
            for (int l = 0; l < d; ++l)
                s += (x[l] = std::exp(1.3 * logit(zv, j, r, l)));
            for (int l = 0; l < d; ++l)
                dot += testing::ref_level(l, d) * cv[j * 5 + r] * (x[l] /= s);
            for (int l = 0; l < d; ++l) {
                const double gx = testing::ref_level(l, d) * cv[j * 5 + r];
                EXPECT_NEAR(logit(gpv, j, r, l), 1.3 * (gx - dot * x[l]), 1e-6);
                EXPECT_NEAR(logit(giv, j, r, l), gx, 1e-7);
            }
        }
}

TEST(Project, BadInput) {
    const Tensor u = Tensor::zeros({4});
    EXPECT_TRUE(throws_with([&] { tanh_project_into(u, 0.0, 2, u); }, {"beta", "(0, 1e36]"}));
    EXPECT_TRUE(throws_with([&] { tanh_project_into(u, 1.0, 1, u); }, {"levels"}));
    EXPECT_TRUE(
        throws_with([&] { tanh_project_into(u, 1.0, 2, Tensor::zeros({5})); }, {"shapes differ"}));
    EXPECT_TRUE(throws_with(
        [&] {
            softmax_project_into(Tensor::zeros({4, 2}), 1.0, 3, Tensor::zeros({2, 2}));
        },
        {"expected [6, 2]", "pitfall 10"}));
    EXPECT_TRUE(
        throws_with([&] { softmax_project_into(Tensor::zeros({34}), 1.0, 17, Tensor::zeros({2})); },
                    {"levels must lie in [2, 16]"}));
}

TEST(GridEmulation, TanhProjectMatchesCpu) {
    for (int64_t n : {1, 33, 1027}) {
        for (DType dt : {DType::F32, DType::F64}) {
            const Tensor u = testing::random_tensor({n}, 21 + n, -2.0, 2.0, dt);
            const Tensor gw = testing::random_tensor({n}, 22 + n, -1.0, 1.0, dt);
            for (TanhProjectPass pass :
                 {TanhProjectPass::Forward, TanhProjectPass::Gradient, TanhProjectPass::Inverse}) {
                // The inverse takes values inside (-1, 1).
                const Tensor in = pass == TanhProjectPass::Inverse ? u * 0.45 : u;
                testing::expect_grid_shapes_match_cpu(
                    [&](auto runner) {
                        Tensor out = Tensor::full({n}, NAN, dt);
                        launch_tanh_project<decltype(runner)>(pass, in, gw, 3.0, 3, out);
                        return std::vector<Tensor>{out};
                    },
                    std::to_string(n) + " " + dtype_name(dt) + ", pass " +
                        std::to_string(static_cast<int>(pass)));
            }
        }
    }
}

TEST(GridEmulation, SimplexProjectMatchesCpu) {
    // Weight [rows, rest] with d logits per weight at stride rest (z is [rows * d, rest]).
    for (const Shape& ws : {Shape{1, 1}, Shape{3, 11}, Shape{37, 9}}) {
        for (int d : {2, 5}) {
            Shape zs = ws;
            zs[0] *= d;
            const int64_t n = numel(ws);
            const Tensor z = testing::random_tensor(zs, 31 + n, -2.0, 2.0);
            const Tensor gw = testing::random_tensor(ws, 32 + n);
            const std::string what = shape_str(ws) + ", d " + std::to_string(d);
            // As softmax_project_into / softmax_project_grad_into build it.
            SimplexProject e{};
            e.z = z.data<float>();
            e.n = n;
            e.row = n / ws[0];
            e.d = d;
            e.beta = 1.5f;
            Tensor w = Tensor::empty(ws);
            softmax_project_into(z, 1.5, d, w);
            testing::expect_grid_shapes_give(
                {w},
                [&](auto runner) {
                    Tensor out = Tensor::full(ws, NAN);
                    SimplexProject f = e;
                    f.out = out.data<float>();
                    decltype(runner)::run(f, Device::cpu());
                    return std::vector<Tensor>{out};
                },
                "forward " + what);
            for (SimplexGrad grad : {SimplexGrad::Exact, SimplexGrad::Pmf, SimplexGrad::Identity}) {
                Tensor gz = Tensor::empty(zs);
                softmax_project_grad_into(z, gw, 1.5, d, grad, gz);
                testing::expect_grid_shapes_give(
                    {gz},
                    [&](auto runner) {
                        Tensor out = Tensor::full(zs, NAN);
                        SimplexProject f = e;
                        f.gw = gw.data<float>();
                        f.out = out.data<float>();
                        f.backward = true;
                        f.grad = grad;
                        decltype(runner)::run(f, Device::cpu());
                        return std::vector<Tensor>{out};
                    },
                    "backward " + what + ", grad " + std::to_string(static_cast<int>(grad)));
            }
        }
    }
}

}  // namespace
}  // namespace mdq
