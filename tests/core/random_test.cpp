// Philox4x32-10 against the Random123 known-answer vectors, and the random fills built on it.
#include <cmath>

#include "core/philox.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

TEST(Philox, KnownAnswerVectors) {
    const Philox4 zero = philox4x32_10(Philox4{{0, 0, 0, 0}}, 0, 0);
    EXPECT_EQ(zero.v[0], 0x6627e8d5u);
    EXPECT_EQ(zero.v[1], 0xe169c58du);
    EXPECT_EQ(zero.v[2], 0xbc57ac4cu);
    EXPECT_EQ(zero.v[3], 0x9b00dbd8u);
    const Philox4 ones = philox4x32_10(Philox4{{~0u, ~0u, ~0u, ~0u}}, ~0u, ~0u);
    EXPECT_EQ(ones.v[0], 0x408f276du);
    EXPECT_EQ(ones.v[1], 0x41c83b0eu);
    EXPECT_EQ(ones.v[2], 0xa20bc7c6u);
    EXPECT_EQ(ones.v[3], 0x6d5451fdu);
    const Philox4 pi = philox4x32_10(Philox4{{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}},
                                     0xa4093822u, 0x299f31d0u);
    EXPECT_EQ(pi.v[0], 0xd16cfe09u);
    EXPECT_EQ(pi.v[1], 0x94fdccebu);
    EXPECT_EQ(pi.v[2], 0x5001e420u);
    EXPECT_EQ(pi.v[3], 0x24126ea1u);
}

TEST(Random, UniformIsReproducibleAndInRange) {
    Generator g1(123), g2(123), g3(124);
    Tensor a = uniform({1000}, -2.0, 3.0, DType::F32, Device::cpu(), &g1);
    Tensor b = uniform({1000}, -2.0, 3.0, DType::F32, Device::cpu(), &g2);
    Tensor c = uniform({1000}, -2.0, 3.0, DType::F32, Device::cpu(), &g3);
    EXPECT_TRUE(testing::all_equal(a, b));
    EXPECT_FALSE(testing::all_equal(a, c));
    EXPECT_EQ(g1.offset(), 250u);  // 4 values per Philox block
    const std::vector<float> v = a.to_vector<float>();
    double m = 0;
    for (float x : v) {
        EXPECT_GE(x, -2.0f);
        EXPECT_LT(x, 3.0f);
        m += x;
    }
    EXPECT_NEAR(m / v.size(), 0.5, 0.15);
    // The next draw continues the stream instead of repeating it.
    EXPECT_FALSE(testing::all_equal(uniform({1000}, -2.0, 3.0, DType::F32, Device::cpu(), &g1), a));
}

TEST(Random, NormalMoments) {
    Generator g(7);
    const std::vector<double> v =
        normal({20000}, 1.0, 2.0, DType::F64, Device::cpu(), &g).to_vector<double>();
    double m = 0, s = 0;
    for (double x : v)
        m += x;
    m /= v.size();
    for (double x : v)
        s += (x - m) * (x - m);
    s = std::sqrt(s / v.size());
    EXPECT_NEAR(m, 1.0, 0.05);
    EXPECT_NEAR(s, 2.0, 0.05);
}

TEST(Random, ArangeValues) {
    EXPECT_EQ(arange(5).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
    EXPECT_EQ(arange(1.0, 2.0, 0.25, DType::F32).to_vector<float>(),
              (std::vector<float>{1.0f, 1.25f, 1.5f, 1.75f}));
    EXPECT_EQ(arange(3.0, 0.0, -1.0, DType::I32).to_vector<int32_t>(),
              (std::vector<int32_t>{3, 2, 1}));
    EXPECT_EQ(arange(0).numel(), 0);
    EXPECT_TRUE(testing::throws_with([] { arange(0.0, 1.0, 0.0); }, {"arange", "bad step"}));
}

TEST(RandomCuda, SameNumbersAsCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    for (int64_t n : {1, 3, 31, 257, 1025, 100003}) {
        Generator gc(99), gg(99);
        EXPECT_TRUE(testing::all_equal(uniform({n}, -1, 1, DType::F32, Device::cuda(0), &gg),
                                       uniform({n}, -1, 1, DType::F32, Device::cpu(), &gc)));
        // A scale that is not a power of two: lo + scale * u must not become a fused
        // multiply-add on one side only (the build turns contraction off).
        EXPECT_TRUE(testing::all_equal(uniform({n}, -0.37, 0.53, DType::F32, Device::cuda(0), &gg),
                                       uniform({n}, -0.37, 0.53, DType::F32, Device::cpu(), &gc)));
        // logf/cosf differ by an ulp or so between the CPU library and CUDA.
        EXPECT_TRUE(testing::all_close(normal({n}, 0, 1, DType::F32, Device::cuda(0), &gg),
                                       normal({n}, 0, 1, DType::F32, Device::cpu(), &gc), 1e-5,
                                       1e-6));
        EXPECT_TRUE(testing::all_equal(arange(n, DType::I64, Device::cuda(0)), arange(n)));
    }
}

}  // namespace
}  // namespace mdq
