// Affine fake quantization (kernels/quant/fake_quant.h) against its closed form: the grid a range
// gives (scale, zero point, qmin/qmax), the values on and off the grid with half-to-even rounding
// and clamping, per channel, the squared error and the threshold indicator; the grid body at the
// CUDA launch shape and an odd one.
#include <cmath>

#include "kernels/quant/fake_quant.h"
#include "kernels/quant/fake_quant_impl.h"
#include "tests/testing/grid_emulation.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

AffineQuant grid(std::vector<float> lo, std::vector<float> hi, int bits, bool symmetric,
                 int64_t axis = -1) {
    const Shape s{static_cast<int64_t>(lo.size())};
    return affine_quant_from_range(Tensor::from_vector(lo, s), Tensor::from_vector(hi, s), bits,
                                   symmetric, axis);
}

TEST(FakeQuant, SymmetricGridIsNarrowAndSigned) {
    const AffineQuant q = grid({-1.0f}, {0.5f}, 4, true);
    EXPECT_EQ(q.qmin, -7);
    EXPECT_EQ(q.qmax, 7);
    EXPECT_EQ(q.levels(), 15);
    const float s = 1.0f / 7.0f;
    EXPECT_FLOAT_EQ(q.scale.to_vector<float>()[0], s);
    EXPECT_EQ(q.zero_point.to_vector<float>()[0], 0.0f);
    // On the grid, half steps (to even), beyond the range (clamped).
    const std::vector<double> x = {3 * s,    -2 * s,  0.5 * s, 1.5 * s,
                                   -2.5 * s, 0.3 * s, 9 * s,   -20.0};
    const std::vector<double> want = {3 * s, -2 * s, 0, 2 * s, -2 * s, 0, 7 * s, -7 * s};
    const std::vector<double> y = fake_quant(Tensor::from_vector(x, {8}), q).to_vector<double>();
    for (size_t i = 0; i < x.size(); ++i)
        EXPECT_NEAR(y[i], want[i], 1e-7) << i;
}

TEST(FakeQuant, AsymmetricGridMakesZeroExact) {
    const AffineQuant q = grid({-1.0f}, {3.0f}, 8, false);
    EXPECT_EQ(q.qmin, 0);
    EXPECT_EQ(q.qmax, 255);
    EXPECT_EQ(q.levels(), 256);
    const double s = 4.0 / 255.0, z = std::nearbyint(1.0 / s);  // 64
    EXPECT_NEAR(q.scale.to_vector<float>()[0], s, 1e-7);
    EXPECT_EQ(q.zero_point.to_vector<float>()[0], z);
    const std::vector<float> x = {0.0f, 1.0f, -1.0f, 2.9f, 5.0f, -3.0f};
    const std::vector<float> y = fake_quant(Tensor::from_vector(x, {6}), q).to_vector<float>();
    EXPECT_EQ(y[0], 0.0f);
    for (size_t i = 0; i < x.size(); ++i) {
        const double qi = std::min(std::max(std::nearbyint(x[i] / s) + z, 0.0), 255.0);
        EXPECT_NEAR(y[i], (qi - z) * s, 1e-6) << i;
    }
    EXPECT_NEAR(y[4], (255 - z) * s, 1e-6);  // clamped above
    EXPECT_NEAR(y[5], -z * s, 1e-6);         // clamped below
}

TEST(FakeQuant, RangeHoldsZeroAndZeroWidthGetsUnitScale) {
    // [2, 4] widens to [0, 4]; [0, 0] gets scale 1.
    const AffineQuant q = grid({2.0f, 0.0f}, {4.0f, 0.0f}, 3, false, 0);
    const std::vector<float> s = q.scale.to_vector<float>(), z = q.zero_point.to_vector<float>();
    EXPECT_FLOAT_EQ(s[0], 4.0f / 7.0f);
    EXPECT_EQ(z[0], 0.0f);
    EXPECT_EQ(s[1], 1.0f);
}

TEST(FakeQuant, PerChannelUsesEachChannelsGrid) {
    // x [2, 3, 2], channel dim 1: channel c has range [-(c + 1), c + 1] at 2 bits (s = c + 1).
    const AffineQuant q = grid({-1, -2, -3}, {1, 2, 3}, 2, true, 1);
    std::vector<float> x(12);
    for (size_t i = 0; i < x.size(); ++i)
        x[i] = 0.37f * static_cast<float>(i) - 2.0f;
    const Tensor xt = Tensor::from_vector(x, {2, 3, 2});
    const std::vector<float> y = fake_quant(xt, q).to_vector<float>();
    const std::vector<float> e = fake_quant_squared_error(xt, q).to_vector<float>();
    for (size_t i = 0; i < x.size(); ++i) {
        const double s = static_cast<double>((i / 2) % 3 + 1);
        const double want = s * std::min(std::max(std::nearbyint(x[i] / s), -1.0), 1.0);
        EXPECT_NEAR(y[i], want, 1e-6) << i;
        EXPECT_NEAR(e[i], (want - x[i]) * (want - x[i]), 1e-5) << i;
    }
    // The indicator x > t_c.
    const std::vector<float> t = {0.0f, -1.0f, 5.0f};
    const std::vector<float> a = exceeds(xt, Tensor::from_vector(t, {3}), 1).to_vector<float>();
    for (size_t i = 0; i < x.size(); ++i)
        EXPECT_EQ(a[i], x[i] > t[(i / 2) % 3] ? 1.0f : 0.0f) << i;
}

TEST(FakeQuant, RejectsBadArguments) {
    EXPECT_TRUE(throws_with([] { grid({-1}, {1}, 1, true); }, {"bits must be in [2, 16]"}));
    EXPECT_TRUE(throws_with([] { grid({1}, {-1}, 4, true); }, {"has the range"}));
    const AffineQuant q = grid({-1, -1}, {1, 1}, 4, true, 0);
    EXPECT_TRUE(throws_with([&] { fake_quant(Tensor::zeros({3, 2}), q); }, {"2 scales for 3"}));
    EXPECT_TRUE(throws_with([&] { fake_quant(Tensor::zeros({2}, DType::I32), q); },
                            {"needs an f32 or f64 tensor"}));
}

TEST(GridEmulation, FakeQuantApplyMatchesCpu) {
    // [3, 5, 7, 2] per channel of dim 1 (inner 14) and per tensor; [1] is one element.
    for (const Shape& shape : {Shape{3, 5, 7, 2}, Shape{1}, Shape{1031}}) {
        for (DType dt : {DType::F32, DType::F64}) {
            const Tensor x = testing::random_tensor(shape, 17, -2.0, 2.0, dt);
            const bool per_channel = shape.size() == 4;
            const int64_t channels = per_channel ? shape[1] : 1;
            const int64_t inner = per_channel ? shape[2] * shape[3] : x.numel();
            const Tensor lo = testing::random_tensor({channels}, 18, -1.5, -0.5);
            const Tensor hi = testing::random_tensor({channels}, 19, 0.5, 1.5);
            const AffineQuant q = affine_quant_from_range(lo, hi, 4, false, per_channel ? 1 : -1);
            for (FakeQuantOut out :
                 {FakeQuantOut::Value, FakeQuantOut::SquaredError, FakeQuantOut::Exceeds}) {
                testing::expect_grid_shapes_match_cpu(
                    [&](auto runner) {
                        Tensor y = Tensor::full(shape, NAN, dt);
                        launch_fake_quant<decltype(runner)>(x, q, out, channels, inner, y);
                        return std::vector<Tensor>{y};
                    },
                    shape_str(shape) + " " + dtype_name(dt) + ", output kind " +
                        std::to_string(static_cast<int>(out)));
            }
        }
    }
}

}  // namespace
}  // namespace mdq
