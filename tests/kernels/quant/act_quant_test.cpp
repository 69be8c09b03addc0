// Activation quantizers: closed forms of the three kinds, the straight-through backward against
// central differences of the unrounded map in f64, EWGS's delta = 0 equal to STE bit for bit and
// delta > 0 scaling in the paper's direction, the clamp of an empty interval, bad arguments, the
// grid body under a real launch shape, and CPU/GPU parity.
#include <cmath>

#include "kernels/ops.h"
#include "tests/testing/grid_emulation.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::all_equal;
using testing::random_tensor;
using testing::throws_with;

Tensor one(double v, DType dt = DType::F32) {
    return Tensor::full({1}, v, dt);
}

TEST(ActQuant, ClosedForms) {
    Tensor x = Tensor::from_vector(std::vector<float>{-0.5f, 0.1f, 0.2f, 0.55f, 0.9f, 1.7f}, {6});
    ActQuantOptions o;
    o.levels = 4;  // 2 bits: 0, 1/3, 2/3, 1
    Tensor d = act_quantize(x, Tensor(), Tensor(), o);
    EXPECT_TRUE(
        all_close(d, Tensor::from_vector(std::vector<float>{0, 0, 1 / 3.f, 2 / 3.f, 1, 1}, {6})));
    o.kind = ActQuantKind::Uniform;  // alpha 2: levels 0, 2/3, 4/3, 2
    Tensor u = act_quantize(x, Tensor(), one(2.0), o);
    EXPECT_TRUE(
        all_close(u, Tensor::from_vector(std::vector<float>{0, 0, 0, 2 / 3.f, 2 / 3.f, 2}, {6})));
    o.kind = ActQuantKind::Ewgs;  // [0.2, 0.8]: x_n = (x - 0.2) / 0.6
    Tensor e = act_quantize(x, one(0.2), one(0.8), o);
    EXPECT_TRUE(all_close(e, Tensor::from_vector(std::vector<float>{0, 0, 0, 2 / 3.f, 1, 1}, {6})));
}

// y without the rounding: the map whose gradient the straight-through backward is.
double surrogate(ActQuantKind k, double x, double lo, double hi) {
    const double xn = std::min(std::max((x - lo) / (hi - lo), 0.0), 1.0);
    return k == ActQuantKind::Uniform ? lo + (hi - lo) * xn : xn;
}

TEST(ActQuant, StraightThroughIsTheGradientOfTheUnroundedMapF64) {
    for (ActQuantKind k : {ActQuantKind::DoReFa, ActQuantKind::Uniform, ActQuantKind::Ewgs}) {
        SCOPED_TRACE(act_quant_kind_name(k));
        const double lo = k == ActQuantKind::Ewgs ? -0.3 : 0.0,
                     hi = k == ActQuantKind::DoReFa ? 1.0 : 1.4;
        Tensor x = random_tensor({5, 7}, 3, -0.8, 2.0, DType::F64).set_requires_grad(true);
        Tensor l = k == ActQuantKind::Ewgs ? one(lo, DType::F64).set_requires_grad(true) : Tensor();
        Tensor h =
            k != ActQuantKind::DoReFa ? one(hi, DType::F64).set_requires_grad(true) : Tensor();
        Tensor w = random_tensor({5, 7}, 4, -1, 1, DType::F64);
        ActQuantOptions o{k, 8, 0.0};
        act_quantize(x, l, h, o).backward(w);
        const double eps = 1e-7;
        double dl = 0, dh = 0;
        for (int64_t i = 0; i < x.numel(); ++i) {
            const double xi = x.data<double>()[i], wi = w.data<double>()[i];
            const double dx =
                (surrogate(k, xi + eps, lo, hi) - surrogate(k, xi - eps, lo, hi)) / (2 * eps);
            EXPECT_NEAR(x.grad().data<double>()[i], wi * dx, 1e-6) << "element " << i;
            dl +=
                wi * (surrogate(k, xi, lo + eps, hi) - surrogate(k, xi, lo - eps, hi)) / (2 * eps);
            dh +=
                wi * (surrogate(k, xi, lo, hi + eps) - surrogate(k, xi, lo, hi - eps)) / (2 * eps);
        }
        if (l.defined()) {
            EXPECT_NEAR(l.grad().item<double>(), dl, 1e-6);
        }
        if (h.defined()) {
            EXPECT_NEAR(h.grad().item<double>(), dh, 1e-6);
        }
    }
}

// dx of EWGS for upstream gradient g.
Tensor ewgs_dx(const Tensor& x, double delta, const Tensor& g) {
    Tensor xr = x.detach().set_requires_grad(true);
    act_quantize(xr, one(0.0), one(1.0), {ActQuantKind::Ewgs, 4, delta}).backward(g);
    return xr.grad();
}

TEST(ActQuant, EwgsDeltaZeroIsStraightThroughExactly) {
    Tensor x = random_tensor({64}, 5, -0.5, 1.5), g = random_tensor({64}, 6);
    Tensor inside =
        mul(ge(x, Tensor::scalar(0.0)).to(DType::F32), le(x, Tensor::scalar(1.0)).to(DType::F32));
    EXPECT_TRUE(all_equal(ewgs_dx(x, 0.0, g), g * inside));
}

TEST(ActQuant, EwgsDeltaScalesAsThePaperSays) {
    // levels 0, 1/3, 2/3, 1. x = 0.4 sits above its level 1/3, x = 0.6 below its level 2/3.
    Tensor x = Tensor::from_vector(std::vector<float>{0.4f, 0.6f, 0.4f, 0.6f}, {4});
    Tensor g = Tensor::from_vector(std::vector<float>{1, 1, -1, -1}, {4});
    Tensor dx = ewgs_dx(x, 0.5, g);
    const float* d = dx.data<float>();
    // g > 0 asks to decrease x_q: amplified above the level, damped below; mirrored for g < 0.
    EXPECT_GT(d[0], 1.0f);
    EXPECT_LT(d[1], 1.0f);
    EXPECT_GT(d[2], -1.0f);
    EXPECT_LT(d[3], -1.0f);
    EXPECT_NEAR(d[0], 1.0 + 0.5 * (0.4 - 1 / 3.0), 1e-6);  // g (1 + delta sign(g) (x_n - x_q))
    EXPECT_NEAR(d[3], -(1.0 + 0.5 * (2 / 3.0 - 0.6)), 1e-6);
}

TEST(ActQuant, EmptyIntervalIsClampedToTheMinimumRange) {
    Tensor x = Tensor::from_vector(std::vector<float>{0.4f, 0.5f, 0.5004f, 0.6f}, {4});
    ActQuantOptions o{ActQuantKind::Ewgs, 2, 0.0};
    Tensor y = act_quantize(x, one(0.5), one(0.3), o);  // u <= l: used as [0.5, 0.501]
    EXPECT_TRUE(all_equal(y, Tensor::from_vector(std::vector<float>{0, 0, 0, 1}, {4})));
}

TEST(ActQuant, BadArguments) {
    Tensor x = Tensor::ones({3});
    ActQuantOptions o;
    o.levels = 1;
    EXPECT_TRUE(throws_with([&] { act_quantize(x, Tensor(), Tensor(), o); },
                            {"act_quantize", "levels must be in [2, 65536]"}));
    o.levels = 4;
    EXPECT_TRUE(throws_with([&] { act_quantize(x, Tensor(), one(1.0), o); },
                            {"dorefa takes no upper end u"}));
    o.kind = ActQuantKind::Ewgs;
    EXPECT_TRUE(
        throws_with([&] { act_quantize(x, Tensor(), one(1.0), o); }, {"ewgs needs a lower end l"}));
    o.delta = -1;
    EXPECT_TRUE(
        throws_with([&] { act_quantize(x, one(0.0), one(1.0), o); }, {"delta must be >= 0"}));
    o.delta = 0;
    EXPECT_TRUE(throws_with([&] { act_quantize(x, one(0.0), one(1.0, DType::F64), o); },
                            {"must be one element of f32"}));
}

TEST(GridEmulation, ActQuantBodiesAreIndexPure) {
    const int64_t n = 1031;
    Tensor x = random_tensor({n}, 7, -1, 2), dy = random_tensor({n}, 8);
    Tensor lo = one(-0.2), hi = one(1.3);
    ActQuantInterval<float> iv{lo.data<float>(), hi.data<float>()};
    Tensor y = Tensor::full({n}, NAN), dx = Tensor::full({n}, NAN);
    Tensor tl = Tensor::full({n}, NAN), th = Tensor::full({n}, NAN);
    testing::emulate_grid(
        ActQuantForward<float>{ActQuantKind::Ewgs, 4, iv, x.data<float>(), y.data<float>(), n}, 3,
        64);
    testing::emulate_grid(
        ActQuantBackward<float>{ActQuantKind::Ewgs, 4, 0.3f, iv, x.data<float>(), dy.data<float>(),
                                dx.data<float>(), tl.data<float>(), th.data<float>(), n},
        3, 64);
    ActQuantOptions o{ActQuantKind::Ewgs, 4, 0.3};
    Tensor wy = Tensor::empty({n}), wdx = Tensor::empty({n}), wl = Tensor::empty({n}),
           wh = Tensor::empty({n});
    act_quant_forward_into(x, lo, hi, o, wy);
    act_quant_backward_into(x, lo, hi, o, dy, wdx, wl, wh);
    EXPECT_TRUE(all_equal(y, wy));
    EXPECT_TRUE(all_equal(dx, wdx));
    EXPECT_TRUE(all_equal(tl, wl));
    EXPECT_TRUE(all_equal(th, wh));
}
}  // namespace
}  // namespace mdq
