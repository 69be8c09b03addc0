// Where a learned activation clip starts (layers/act_clip.h): the authors' rule on a hand
// count, the mse search against the optimality condition of one bit, and what each does to a
// one-bit ReLU output, the reason mse exists.
#include "layers/act_clip.h"

#include <cmath>
#include <random>

#include "layers/act_quant.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

// ReLU of a standard normal, the input of a quantized layer after batch norm.
std::vector<double> relu_normal(size_t n, uint32_t seed) {
    std::mt19937 gen(seed);
    std::normal_distribution<double> z(0.0, 1.0);
    std::vector<double> x(n);
    for (double& v : x)
        v = std::max(z(gen), 0.0);
    return x;
}

double fraction_above(const std::vector<double>& x, double t) {
    size_t k = 0;
    for (double v : x)
        k += v > t;
    return static_cast<double>(k) / static_cast<double>(x.size());
}

TEST(ActClip, AuthorsRuleOnAHandCount) {
    // mean 1.5, variance 1.25.
    const std::vector<double> x{0, 1, 2, 3};
    EXPECT_DOUBLE_EQ(calibrated_upper(ActCalibration::Authors, x, 0.5, 2, 1e-3),
                     0.5 + 3.0 * std::sqrt(1.25) / std::sqrt(1.0 - 2.0 / M_PI));
    // A constant batch: the range floor.
    EXPECT_DOUBLE_EQ(calibrated_upper(ActCalibration::Authors, {2, 2, 2}, 2, 4, 1e-3), 2.001);
    EXPECT_DOUBLE_EQ(calibrated_upper(ActCalibration::Mse, {2, 2, 2}, 2, 4, 1e-3), 2.001);
}

TEST(ActClip, MseMeetsTheOneBitOptimalityCondition) {
    // With levels {l, u} the error's derivative in u vanishes where u = E[x | x > u/2] (l = 0):
    // the grid's choice lies within a few grid steps of that fixed point.
    const std::vector<double> x = relu_normal(200000, 7);
    const double u = calibrated_upper(ActCalibration::Mse, x, 0.0, 2, 1e-3);
    double sum = 0.0;
    size_t n = 0;
    for (double v : x)
        if (v > u / 2) {
            sum += v;
            ++n;
        }
    const double step = *std::max_element(x.begin(), x.end()) / kMseClipSteps;
    EXPECT_NEAR(u, sum / static_cast<double>(n), 3 * step);
}

TEST(ActClip, MseErrorIsTheLeastOnItsGridAndBelowTheAuthors) {
    const std::vector<double> x = relu_normal(20000, 8);
    const double top = *std::max_element(x.begin(), x.end());
    for (int levels : {2, 4, 16}) {
        const double u = calibrated_upper(ActCalibration::Mse, x, 0.0, levels, 1e-3);
        const double e = act_quant_mse(x, 0.0, u, levels);
        for (int i = 1; i <= kMseClipSteps; ++i)
            EXPECT_LE(e, act_quant_mse(x, 0.0, top * i / kMseClipSteps, levels)) << levels;
        EXPECT_LT(
            e, act_quant_mse(
                   x, 0.0, calibrated_upper(ActCalibration::Authors, x, 0.0, levels, 1e-3), levels))
            << levels;
    }
}

TEST(ActClip, OneBitThresholdOfEachRule) {
    // The authors' u puts one bit's threshold u/2 near 1.45 std units of the normal: about 7%
    // of a ReLU output quantizes to 1. The mse one sits near 0.6 (about 27%, the bulk that
    // DoReFa's threshold 0.5 keeps too).
    const std::vector<double> x = relu_normal(200000, 9);
    const double authors = calibrated_upper(ActCalibration::Authors, x, 0.0, 2, 1e-3);
    const double mse = calibrated_upper(ActCalibration::Mse, x, 0.0, 2, 1e-3);
    EXPECT_NEAR(fraction_above(x, authors / 2), 0.073, 0.01);
    EXPECT_NEAR(fraction_above(x, mse / 2), 0.27, 0.02);
}

TEST(ActClip, BadArgumentsAreClearErrors) {
    EXPECT_TRUE(throws_with([] { parse_act_calibration("percentile"); },
                            {"act_calibration", "authors or mse", "'percentile'"}));
    EXPECT_EQ(parse_act_calibration("mse"), ActCalibration::Mse);
    EXPECT_STREQ(act_calibration_name(ActCalibration::Authors), "authors");
    EXPECT_TRUE(throws_with([] { calibrated_upper(ActCalibration::Mse, {1.0}, 0, 2, 1e-3); },
                            {"more than one value"}));
    EXPECT_TRUE(throws_with(
        [] {
            calibrated_upper(ActCalibration::Mse, {1, 2}, 0, 1, 1e-3);
        },
        {"levels", "got 1"}));
    EXPECT_TRUE(throws_with(
        [] {
            calibrated_upper(ActCalibration::Mse, {1.0, NAN}, 0, 2, 1e-3);
        },
        {"calibration batch holds"}));
}

TEST(ActClip, ActQuantCalibratesByItsRule) {
    const Tensor x = testing::random_tensor({64, 8}, 10, 0.0, 3.0);
    const std::vector<double> v = x.to_vector<double>();
    const double lo = *std::min_element(v.begin(), v.end());
    for (ActCalibration c : {ActCalibration::Authors, ActCalibration::Mse}) {
        ActQuant ewgs(ActQuantKind::Ewgs, 1, 0.0, c), uniform(ActQuantKind::Uniform, 2, 0.0, c);
        ewgs.calibrate(x);
        uniform.calibrate(x);
        EXPECT_FLOAT_EQ(ewgs.lower().item<float>(), static_cast<float>(lo));
        EXPECT_FLOAT_EQ(ewgs.upper().item<float>(),
                        static_cast<float>(calibrated_upper(c, v, lo, 2, 2 * math::kMinActRange)));
        EXPECT_FLOAT_EQ(uniform.upper().item<float>(),
                        static_cast<float>(calibrated_upper(c, v, 0.0, 4, 2 * math::kMinActRange)));
        EXPECT_NE(ewgs.activation_quant().scale.find(act_calibration_name(c)), std::string::npos);
    }
}

}  // namespace
}  // namespace mdq
