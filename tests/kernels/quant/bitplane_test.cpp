// BSQ bit planes (kernels/quant/bitplane.h): re-quantised planes recompose exactly, dropping
// all-zero end planes keeps every weight bit for bit, the straight-through and regulariser
// gradients match finite differences, bad input is refused, and the four grid bodies give the CPU
// results at the CUDA launch shape and an odd one.
#include "kernels/quant/bitplane.h"

#include <cmath>
#include <cstring>

#include "kernels/quant/bitplane_math.h"
#include "tests/testing/grid_emulation.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

// Relaxed planes in [0, 2] as training leaves them.
BitPlanes relaxed(const Shape& ws, int bits, float step, uint64_t seed) {
    Shape s = ws;
    s.push_back(bits);
    BitPlanes p;
    p.bits = bits;
    p.step = step;
    p.pos = testing::random_tensor(s, seed, 0.0, 2.0);
    p.neg = testing::random_tensor(s, seed + 1, 0.0, 2.0);
    return p;
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
    const std::vector<float> x = a.to_vector<float>(), y = b.to_vector<float>();
    return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}

TEST(BitPlane, DecomposeRecomposesToTheRoundedWeight) {
    const Tensor w = testing::random_tensor({7, 5}, 3);
    const BitPlanes p = bitplane_decompose(w, 8);
    const std::vector<float> wv = w.to_vector<float>(),
                             r = bitplane_recompose(p).to_vector<float>();
    for (size_t i = 0; i < wv.size(); ++i)
        EXPECT_LE(std::fabs(r[i] - wv[i]), 0.5f * p.step * 1.0001f) << i;
    for (float b : p.pos.to_vector<float>())
        EXPECT_TRUE(b == 0.f || b == 1.f);
}

TEST(BitPlane, RequantizedPlanesRecomposeExactly) {
    for (int bits : {1, 3, 8}) {
        const BitPlanes p = relaxed({4, 3, 3}, bits, 0.037f, 11 + static_cast<uint64_t>(bits));
        const BitPlanes q = bitplane_requantize(p);
        EXPECT_TRUE(bitwise_equal(bitplane_recompose(q), bitplane_recompose(p))) << bits;
        for (const Tensor* t : {&q.pos, &q.neg})
            for (float b : t->to_vector<float>())
                EXPECT_TRUE(b == 0.f || b == 1.f);
        // Re-quantising exact planes changes nothing.
        EXPECT_TRUE(bitwise_equal(bitplane_requantize(q).pos, q.pos));
    }
}

TEST(BitPlane, DroppingZeroEndPlanesKeepsEveryWeightBitForBit) {
    // Integers that are multiples of 4 below 2^6 at 8 planes: 2 MSB and 2 LSB planes are zero.
    std::vector<float> w;
    for (int i = 0; i < 40; ++i)
        w.push_back(0.0123f * static_cast<float>(4 * ((i * 7) % 16)) * (i % 3 == 0 ? -1.f : 1.f));
    w[5] = 0.0123f * 60.f;
    const BitPlanes p = bitplane_decompose(Tensor::from_vector(w, {8, 5}), 8, 0.0123f);
    const PlaneDrop d = bitplane_zero_ends(p);
    EXPECT_EQ(d.msb, 2);
    EXPECT_EQ(d.lsb, 2);
    const BitPlanes r = bitplane_drop_zero_ends(p);
    EXPECT_EQ(r.bits, 4);
    EXPECT_EQ(r.step, 0.0123f * 4.f);
    EXPECT_EQ(r.pos.shape(), (Shape{8, 5, 4}));
    EXPECT_TRUE(bitwise_equal(bitplane_recompose(r), bitplane_recompose(p)));
}

TEST(BitPlane, AllZeroLayerKeepsOnePlane) {
    const BitPlanes p = bitplane_decompose(Tensor::zeros({3, 2}), 4);
    const BitPlanes r = bitplane_drop_zero_ends(p);
    EXPECT_EQ(r.bits, 1);
    EXPECT_TRUE(bitwise_equal(bitplane_recompose(r), Tensor::zeros({3, 2})));
}

TEST(BitPlane, SliceKeepsThePlaneRange) {
    const Tensor t = testing::random_tensor({3, 6}, 5);
    const std::vector<float> a = t.to_vector<float>(),
                             s = bitplane_slice(t, 2, 3).to_vector<float>();
    ASSERT_EQ(s.size(), 9u);
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
            EXPECT_EQ(s[static_cast<size_t>(i * 3 + j)], a[static_cast<size_t>(i * 6 + 2 + j)]);
}

TEST(BitPlane, StraightThroughGradientMatchesTheUnroundedValue) {
    // Without rounding, w = step * q is linear in the planes: its exact gradient is the STE's.
    const BitPlanes p = relaxed({3, 4}, 5, 0.02f, 21);
    const Tensor dw = testing::random_tensor({3, 4}, 23);
    const BitPlaneGrad g = bitplane_recompose_grad(p, dw);
    const std::vector<float> d = dw.to_vector<float>(), gp = g.dpos.to_vector<float>(),
                             gn = g.dneg.to_vector<float>();
    for (size_t i = 0; i < d.size(); ++i)
        for (int k = 0; k < p.bits; ++k) {
            const float want = p.step * std::ldexp(1.f, k) * d[i];
            EXPECT_FLOAT_EQ(gp[i * 5 + static_cast<size_t>(k)], want);
            EXPECT_FLOAT_EQ(gn[i * 5 + static_cast<size_t>(k)], -want);
        }
    // dL/dstep for L = <dw, w>: L is linear in step.
    const std::vector<float> w = bitplane_recompose(p).to_vector<float>();
    double want = 0;
    for (size_t i = 0; i < d.size(); ++i)
        want += static_cast<double>(d[i]) * w[i] / p.step;
    EXPECT_NEAR(g.dstep, want, 1e-4 * (1 + std::fabs(want)));
}

TEST(BitPlane, GroupLassoGradientMatchesFiniteDifferences) {
    BitPlanes p = relaxed({2, 3}, 4, 0.1f, 31);
    const double coef = 0.7;
    const GroupLasso g = bitplane_group_lasso(p, coef);
    // Value from its definition.
    const std::vector<float> pv = p.pos.to_vector<float>(), nv = p.neg.to_vector<float>();
    double want = 0;
    for (int k = 0; k < 4; ++k) {
        double s = 1e-8;
        for (size_t i = 0; i < 6; ++i)
            s += pv[i * 4 + static_cast<size_t>(k)] * pv[i * 4 + static_cast<size_t>(k)] +
                 nv[i * 4 + static_cast<size_t>(k)] * nv[i * 4 + static_cast<size_t>(k)];
        want += coef * std::sqrt(s);
    }
    EXPECT_NEAR(g.value, want, 1e-5 * want);
    const std::vector<float> gp = g.dpos.to_vector<float>(), gn = g.dneg.to_vector<float>();
    const float h = 1e-2f;
    for (int side = 0; side < 2; ++side) {
        Tensor& t = side == 0 ? p.pos : p.neg;
        const std::vector<float>& grad = side == 0 ? gp : gn;
        std::vector<float> v = t.to_vector<float>();
        for (size_t j = 0; j < v.size(); ++j) {
            const float keep = v[j];
            v[j] = keep + h;
            t = Tensor::from_vector(v, t.shape());
            const double up = bitplane_group_lasso(p, coef).value;
            v[j] = keep - h;
            t = Tensor::from_vector(v, t.shape());
            const double down = bitplane_group_lasso(p, coef).value;
            v[j] = keep;
            t = Tensor::from_vector(v, t.shape());
            EXPECT_NEAR(grad[j], (up - down) / (2 * h), 2e-3) << side << " " << j;
        }
    }
}

TEST(BitPlane, RefusesBadInput) {
    const Tensor w = testing::random_tensor({4}, 1);
    EXPECT_TRUE(throws_with([&] { bitplane_decompose(w, 0); }, {"bits", "[1, 16]"}));
    EXPECT_TRUE(throws_with([&] { bitplane_decompose(w, 4, 0.f); }, {"step", "positive"}));
    BitPlanes p = bitplane_decompose(w, 4);
    p.bits = 3;
    EXPECT_TRUE(throws_with([&] { bitplane_recompose(p); }, {"planes"}));
    EXPECT_TRUE(throws_with([&] { bitplane_slice(w, 0, 5); }, {"do not lie"}));
    EXPECT_TRUE(throws_with([&] { bitplane_group_lasso(bitplane_decompose(w, 4), -1); }, {"coef"}));
}

TEST(GridEmulation, BitPlaneBodiesMatchCpu) {
    // 1 and 31 weights: more threads than work; 300 and 1000: several blocks, odd remainders.
    for (int64_t n : {1, 31, 300, 1000}) {
        for (int bits : {1, 3, 8}) {
            const std::string what =
                std::to_string(n) + " weights, " + std::to_string(bits) + " bits";
            const float step = 0.03f;
            const Tensor w = testing::random_tensor({n}, 7 + n, -8.0, 8.0);
            const BitPlanes d = bitplane_decompose(w, bits, step);
            testing::expect_grid_shapes_give(
                {d.pos, d.neg},
                [&](auto runner) {
                    Tensor pos = Tensor::full({n, bits}, NAN), neg = Tensor::full({n, bits}, NAN);
                    decltype(runner)::run(BitDecompose{w.data<float>(), pos.data<float>(),
                                                       neg.data<float>(), n, bits, 1.f / step},
                                          Device::cpu());
                    return std::vector<Tensor>{pos, neg};
                },
                "BitDecompose " + what);
            const BitPlanes p = relaxed({n}, bits, step, 11 + n);
            testing::expect_grid_shapes_give(
                {bitplane_recompose(p)},
                [&](auto runner) {
                    Tensor out = Tensor::full({n}, NAN);
                    decltype(runner)::run(BitRecompose{p.pos.data<float>(), p.neg.data<float>(),
                                                       out.data<float>(), n, bits, step},
                                          Device::cpu());
                    return std::vector<Tensor>{out};
                },
                "BitRecompose " + what);
            const Tensor dw = testing::random_tensor({n}, 13 + n);
            const BitPlaneGrad g = bitplane_recompose_grad(p, dw);
            testing::expect_grid_shapes_give(
                {g.dpos, g.dneg},
                [&](auto runner) {
                    // The body accumulates, so it starts from zeros as bitplane_recompose_grad's.
                    Tensor dpos = Tensor::zeros({n, bits}), dneg = Tensor::zeros({n, bits});
                    decltype(runner)::run(BitRecomposeGrad{dw.data<float>(), dpos.data<float>(),
                                                           dneg.data<float>(), n, bits, step},
                                          Device::cpu());
                    return std::vector<Tensor>{dpos, dneg};
                },
                "BitRecomposeGrad " + what);
            const int lo = bits > 1 ? 1 : 0, count = bits > 2 ? bits - 2 : 1;
            testing::expect_grid_shapes_give(
                {bitplane_slice(p.pos, lo, count)},
                [&](auto runner) {
                    Tensor out = Tensor::full({n, count}, NAN);
                    decltype(runner)::run(
                        BitSlice{p.pos.data<float>(), out.data<float>(), n, bits, lo, count},
                        Device::cpu());
                    return std::vector<Tensor>{out};
                },
                "BitSlice " + what);
        }
    }
}

}  // namespace
}  // namespace mdq
