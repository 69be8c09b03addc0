// Observers of post-training quantization (kernels/quant/observer.h) against closed forms: the
// min and max per tensor and per channel, the percentiles of 0..999, and the MSE-optimal clipping
// of a tensor whose outlier costs less to clip than the bulk costs to round.
#include "kernels/quant/observer.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

TEST(Observer, MinMaxPerTensorAndPerChannel) {
    // x [2, 3]: rows are channels of axis 0, columns of axis 1.
    const Tensor x = Tensor::from_vector(std::vector<float>{1, -4, 2, 7, 0, -1}, {2, 3});
    const Range t = minmax_range(x, -1);
    EXPECT_EQ(t.lo.to_vector<float>(), std::vector<float>{-4});
    EXPECT_EQ(t.hi.to_vector<float>(), std::vector<float>{7});
    const Range r = minmax_range(x, 0);
    EXPECT_EQ(r.lo.to_vector<float>(), (std::vector<float>{-4, -1}));
    EXPECT_EQ(r.hi.to_vector<float>(), (std::vector<float>{2, 7}));
    const Range c = minmax_range(x, 1);
    EXPECT_EQ(c.lo.to_vector<float>(), (std::vector<float>{1, -4, -1}));
    EXPECT_EQ(c.hi.to_vector<float>(), (std::vector<float>{7, 0, 2}));
}

TEST(Observer, PercentilesOfAnEvenSpread) {
    // 0..999 shuffled: 1% of the values (990..999) lie above 989 and 1% (0..9) at or below 9.
    std::vector<float> v(1000);
    for (size_t i = 0; i < v.size(); ++i)
        v[i] = static_cast<float>((i * 7919) % 1000);
    const Tensor x = Tensor::from_vector(v, {10, 100});
    const Range r = percentile_range(x, -1, 99.0);
    EXPECT_NEAR(r.hi.to_vector<float>()[0], 989.0f, 1e-3);
    EXPECT_NEAR(r.lo.to_vector<float>()[0], 9.0f, 1e-3);
    // p = 100 is the min and max.
    const Range all = percentile_range(x, -1, 100.0);
    EXPECT_EQ(all.lo.to_vector<float>()[0], 0.0f);
    EXPECT_EQ(all.hi.to_vector<float>()[0], 999.0f);
    EXPECT_TRUE(throws_with([&] { percentile_range(x, -1, 50.0); }, {"p must be in (50, 100]"}));
}

TEST(Observer, MseClipsAnOutlierWhenRoundingTheBulkCostsMore) {
    // Channel 0: 200 values of +-0.1 and one 1. At 2 bits (levels -s, 0, s) with s = alpha:
    // alpha = 1 rounds the bulk to 0 (error 200 * 0.01 = 2), alpha = 0.1 keeps it exact and
    // clips the outlier (error 0.81), the least over the grid k / 40. Channel 1 (+-1) is exact
    // at alpha = 1.
    std::vector<float> v(2 * 202);
    for (size_t i = 0; i < 201; ++i)
        v[i] = i % 2 ? 0.1f : -0.1f;
    v[201] = 1.0f;
    for (size_t i = 202; i < v.size(); ++i)
        v[i] = i % 2 ? 1.0f : -1.0f;
    const Tensor x = Tensor::from_vector(v, {2, 202});
    const Range r = mse_range(x, 0, 2, true);
    const std::vector<float> lo = r.lo.to_vector<float>(), hi = r.hi.to_vector<float>();
    EXPECT_NEAR(hi[0], 0.1f, 1e-7);
    EXPECT_NEAR(lo[0], -0.01f, 1e-6);
    EXPECT_EQ(hi[1], 1.0f);
    EXPECT_EQ(lo[1], -1.0f);
    // With one step it is the minmax range.
    const Range one = mse_range(x, 0, 2, true, 1);
    EXPECT_EQ(one.hi.to_vector<float>(), (std::vector<float>{1.0f, 1.0f}));
    EXPECT_TRUE(throws_with([&] { mse_range(x, 0, 2, true, 0); }, {"steps must be positive"}));
    EXPECT_TRUE(throws_with([&] { minmax_range(x, 2); }, {"out of range"}));
}

}  // namespace
}  // namespace mdq
