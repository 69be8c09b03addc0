// Packing of activations along channels: sign and k-bit plane codes land in the right bits;
// batch norm + sign (or DoReFa's k-bit quantizer) folded into thresholds gives the codes of the
// float computation, negative and zero scales included; bad arguments throw.
#include "kernels/bitconv/bitpack.h"

#include <cmath>

#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

// Code of channel c of pixel px read back from the planes.
unsigned code_at(const BitActs& a, int64_t px, int64_t c) {
    const int64_t words = (a.c + 63) / 64;
    unsigned code = 0;
    for (int b = 0; b < a.bits(); ++b) {
        const auto v = a.planes[static_cast<size_t>(b)].to_vector<int64_t>();
        code |=
            ((static_cast<uint64_t>(v[static_cast<size_t>(px * words + c / 64)]) >> (c % 64)) & 1u)
            << b;
    }
    return code;
}

TEST(BitPack, SignAndUnsignedCodes) {
    const Tensor x = Tensor::from_vector(
        std::vector<float>{0.0f, -0.5f, 1.0f, 2.0f / 3, 1.0f / 3, -0.0f}, {1, 1, 2, 3});
    const BitActs s = pack_sign_acts(x);
    const std::vector<unsigned> signs = {1, 0, 1, 1, 1, 1};
    for (int64_t i = 0; i < 6; ++i)
        EXPECT_EQ(code_at(s, i / 3, i % 3), signs[static_cast<size_t>(i)]) << i;
    const Tensor u =
        Tensor::from_vector(std::vector<float>{0.0f, 1.0f / 3, 1.0f, 2.0f / 3}, {1, 2, 1, 2});
    const BitActs a = pack_unsigned_acts(u, 2);
    ASSERT_EQ(a.bits(), 2);
    const std::vector<unsigned> codes = {0, 1, 3, 2};
    for (int64_t i = 0; i < 4; ++i)
        EXPECT_EQ(code_at(a, i / 2, i % 2), codes[static_cast<size_t>(i)]) << i;
}

TEST(BitPack, ThresholdsEqualFloatBatchNormAndQuantizer) {
    const int64_t c = 70;
    std::vector<float> mean, var, gamma, beta;
    for (int64_t i = 0; i < c; ++i) {
        mean.push_back(static_cast<float>(i % 7) - 3.2f);
        var.push_back(0.5f + static_cast<float>(i % 5));
        gamma.push_back(i % 11 == 0 ? 0.0f : (i % 3 == 0 ? -0.7f : 1.3f));
        beta.push_back(static_cast<float>(i % 4) * 0.3f - 0.4f);
    }
    std::vector<int32_t> y;
    for (int64_t i = 0; i < 3 * c; ++i)
        y.push_back(static_cast<int32_t>((i * 37) % 23) - 11);
    const Tensor yt = Tensor::from_vector(y, {1, 1, 3, c});
    const double eps = 1e-5;
    for (int bits : {0, 1, 2}) {
        const BitCode code = bits == 0 ? BitCode::Sign : BitCode::Unsigned;
        const int k = bits == 0 ? 1 : bits;
        const ChannelThresholds th =
            fold_batch_norm(code, k, Tensor::from_vector(mean, {c}), Tensor::from_vector(var, {c}),
                            Tensor::from_vector(gamma, {c}), Tensor::from_vector(beta, {c}), eps);
        const BitActs a = pack_threshold(yt, th);
        for (int64_t i = 0; i < 3 * c; ++i) {
            const size_t ch = static_cast<size_t>(i % c);
            const double z =
                (y[static_cast<size_t>(i)] - mean[ch]) / std::sqrt(var[ch] + eps) * gamma[ch] +
                beta[ch];
            const double top = (1 << k) - 1;
            const unsigned want =
                code == BitCode::Sign
                    ? (z >= 0 ? 1u : 0u)
                    : static_cast<unsigned>(std::nearbyint(std::min(1.0, std::max(0.0, z)) * top));
            EXPECT_EQ(code_at(a, i / c, i % c), want) << "bits " << bits << " element " << i;
        }
    }
}

TEST(BitPack, BadArgumentsThrow) {
    EXPECT_TRUE(throws_with(
        [] {
            pack_sign_acts(Tensor::zeros({2, 3}, DType::F32));
        },
        {"[N, H, W, C]"}));
    EXPECT_TRUE(throws_with(
        [] {
            pack_unsigned_acts(Tensor::full({1, 1, 1, 2}, 1.5f), 2);
        },
        {"[0, 1]", "1.5"}));
    EXPECT_TRUE(throws_with(
        [] {
            pack_unsigned_acts(Tensor::zeros({1, 1, 1, 2}, DType::F32), 9);
        },
        {"bits", "9"}));
    const Tensor m = Tensor::zeros({4}, DType::F32);
    EXPECT_TRUE(throws_with(
        [&] {
            fold_batch_norm(BitCode::Sign, 1, m, Tensor::zeros({3}, DType::F32), Tensor(), Tensor(),
                            1e-5);
        },
        {"one value per channel"}));
    const ChannelThresholds th = fold_batch_norm(BitCode::Sign, 1, m, m, Tensor(), Tensor(), 1e-5);
    EXPECT_TRUE(throws_with(
        [&] {
            pack_threshold(Tensor::zeros({1, 1, 1, 5}, DType::I32), th);
        },
        {"4 channel thresholds"}));
}

}  // namespace
}  // namespace mdq
