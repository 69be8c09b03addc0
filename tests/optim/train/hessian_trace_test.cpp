// Hutchinson's trace estimator: exact on a diagonal Hessian (every Rademacher probe gives the
// trace), within four standard errors of the exact trace on a dense quadratic and on a linear
// layer with a square loss through autograd (the standard error from the exact variance of
// v^T H v, 2 sum_{i != j} H_ij^2, and the probe count), early stopping, and bad options.
#include <cmath>

#include "kernels/ops.h"
#include "optim/train/hessian_trace.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::random_tensor;
using testing::throws_with;

// The gradient of 0.5 x^T A x + b^T x at x + off is A (x + off) + b, for a symmetric A.
struct Quadratic {
    Tensor a, x, b;
    std::vector<Tensor> grad(const std::vector<Tensor>& off) const {
        const int64_t n = x.numel();
        const Tensor p = (x + off[0]).reshape({n, 1});
        return {(matmul(a, p).reshape({n}) + b)};
    }
};

Quadratic make_quadratic(int64_t n, bool diagonal) {
    Tensor r = random_tensor({n, n}, 21, -1, 1, DType::F64);
    Tensor a = r + r.transpose(0, 1).contiguous();
    for (int64_t i = 0; i < n; ++i)
        a.data<double>()[i * n + i] += 2.0;  // a trace well away from 0
    if (diagonal) {
        const Tensor d = random_tensor({n}, 22, -2, 3, DType::F64);
        a = Tensor::zeros({n, n}, DType::F64);
        for (int64_t i = 0; i < n; ++i)
            a.data<double>()[i * n + i] = d.data<double>()[i];
    }
    return {a, random_tensor({n}, 23, -1, 1, DType::F64),
            random_tensor({n}, 24, -1, 1, DType::F64)};
}

double trace_of(const Tensor& a) {
    double t = 0;
    for (int64_t i = 0; i < a.size(0); ++i)
        t += a.data<double>()[i * a.size(0) + i];
    return t;
}

// The standard error of the mean of k probes of v^T A v.
double standard_error(const Tensor& a, int k) {
    const int64_t n = a.size(0);
    double off = 0;
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j)
            if (i != j) off += a.data<double>()[i * n + j] * a.data<double>()[i * n + j];
    return std::sqrt(2 * off / k);
}

TEST(HessianTrace, DiagonalHessianIsExactWithEveryProbe) {
    const Quadratic q = make_quadratic(40, true);
    HutchinsonOptions o;
    o.max_probes = 3;
    o.rel_tol = 0;
    const HutchinsonResult r =
        hutchinson_traces([&](const std::vector<Tensor>& off) { return q.grad(off); }, {q.x}, o);
    EXPECT_EQ(r.probes, 3);
    EXPECT_NEAR(r.traces[0], trace_of(q.a), 1e-6 * std::fabs(trace_of(q.a)) + 1e-8);
}

TEST(HessianTrace, DenseQuadraticWithinFourStandardErrors) {
    const Quadratic q = make_quadratic(30, false);
    HutchinsonOptions o;
    o.max_probes = 400;
    o.rel_tol = 0;
    o.seed = 5;
    const HutchinsonResult r =
        hutchinson_traces([&](const std::vector<Tensor>& off) { return q.grad(off); }, {q.x}, o);
    const double se = standard_error(q.a, o.max_probes);
    EXPECT_NEAR(r.traces[0], trace_of(q.a), 4 * se) << "standard error " << se;
    // The estimate is a real one: a different seed gives a different number.
    o.seed = 6;
    const HutchinsonResult r2 =
        hutchinson_traces([&](const std::vector<Tensor>& off) { return q.grad(off); }, {q.x}, o);
    EXPECT_NE(r.traces[0], r2.traces[0]);
}

TEST(HessianTrace, LinearSquareLossThroughAutogradPerBlock) {
    // L = 0.5 ||X W^T - T||^2 + 0.5 c ||V||^2 with two blocks W [3, 5] and V [4]: the Hessian
    // of W is I_3 (x) X^T X (trace 3 ||X||_F^2), that of V is c I (trace 4 c, exact per probe).
    const Tensor x = random_tensor({6, 5}, 31, -1, 1, DType::F64);
    const Tensor t = random_tensor({6, 3}, 32, -1, 1, DType::F64);
    const Tensor w0 = random_tensor({3, 5}, 33, -1, 1, DType::F64);
    const Tensor v0 = random_tensor({4}, 34, -1, 1, DType::F64);
    const double c = 2.5;
    auto grad = [&](const std::vector<Tensor>& off) {
        Tensor w = (w0 + off[0]).detach().set_requires_grad(true);
        Tensor v = (v0 + off[1]).detach().set_requires_grad(true);
        const Tensor e = matmul(x, w, false, true) - t;
        (sum(e * e) * 0.5 + sum(v * v) * (0.5 * c)).backward();
        return std::vector<Tensor>{w.grad(), v.grad()};
    };
    HutchinsonOptions o;
    o.max_probes = 300;
    o.rel_tol = 0;
    const HutchinsonResult r = hutchinson_traces(grad, {w0, v0}, o);
    const Tensor g = matmul(x, x, true, false);  // X^T X [5, 5]
    const double exact = 3 * trace_of(g);
    // Var(v^T H v) = 2 sum_{i != j} H_ij^2 = 3 (2 sum_{i != j} G_ij^2) for H = I_3 (x) G.
    const double se = standard_error(g, o.max_probes) * std::sqrt(3.0);
    EXPECT_NEAR(r.traces[0], exact, 4 * se) << "standard error " << se;
    EXPECT_NEAR(r.traces[1], 4 * c, 1e-6);
}

TEST(HessianTrace, StopsOnceSettled) {
    const Quadratic q = make_quadratic(20, true);  // every probe the same: settled at probe 2
    HutchinsonOptions o;
    o.max_probes = 50;
    const HutchinsonResult r =
        hutchinson_traces([&](const std::vector<Tensor>& off) { return q.grad(off); }, {q.x}, o);
    EXPECT_EQ(r.probes, 2);
}

TEST(HessianTrace, BadOptionsAreClearErrors) {
    const Quadratic q = make_quadratic(4, true);
    auto g = [&](const std::vector<Tensor>& off) { return q.grad(off); };
    HutchinsonOptions o;
    o.max_probes = 0;
    EXPECT_TRUE(throws_with([&] { hutchinson_traces(g, {q.x}, o); }, {"max_probes"}));
    o.max_probes = 1;
    o.eps = 0;
    EXPECT_TRUE(throws_with([&] { hutchinson_traces(g, {q.x}, o); }, {"eps must be > 0"}));
    o.eps = 1e-3;
    EXPECT_TRUE(throws_with(
        [&] {
            hutchinson_traces([](const std::vector<Tensor>&) { return std::vector<Tensor>{}; },
                              {q.x}, o);
        },
        {"gave 0 blocks"}));
}

}  // namespace
}  // namespace mdq
