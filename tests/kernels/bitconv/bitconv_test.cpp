// Bit convolutions equal mdq's float convolution of the same codes exactly, for +-1 and k-bit
// activations, binary and ternary weights, with zero padding (every border pixel's padded taps
// checked) and strides, for every bitgemm variant; export-packed weights give the same result;
// bad arguments throw.
#include "kernels/bitconv/bitconv.h"

#include "kernels/conv/conv.h"
#include "kernels/elementwise/binary.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

// Values drawn from `levels` (e.g. {-1, 1}), deterministic.
Tensor random_levels(const Shape& s, const std::vector<float>& levels, uint64_t seed) {
    std::vector<float> v(static_cast<size_t>(numel(s)));
    uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
    for (auto& f : v) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        f = levels[(x >> 33) % levels.size()];
    }
    return Tensor::from_vector(v, s);
}

std::vector<int32_t> float_conv(const Tensor& x, const Tensor& w, const Conv2dArgs& args) {
    const auto y = conv2d(x, w, Tensor(), args).to_vector<float>();
    std::vector<int32_t> out;
    for (float f : y)
        out.push_back(static_cast<int32_t>(std::lround(f)));
    return out;
}

Conv2dArgs args_of(int64_t stride, int64_t pad) {
    Conv2dArgs a;
    a.stride_h = a.stride_w = stride;
    a.pad_h = a.pad_w = pad;
    return a;
}

struct Case {
    int64_t c, k, stride, pad;
};

const Case kCases[] = {{5, 3, 1, 1}, {64, 3, 1, 1}, {70, 3, 2, 1}, {3, 5, 1, 2}, {33, 1, 1, 0}};

TEST(BitConv, SignActivationsEqualFloatConvWithPadding) {
    for (const Case& cs : kCases)
        for (int levels : {2, 3}) {
            const std::vector<float> wl =
                levels == 2 ? std::vector<float>{-1, 1} : std::vector<float>{-1, 0, 1};
            const Tensor x = random_levels({2, 7, 6, cs.c}, {-1, 1}, cs.c + cs.k);
            const Tensor w = random_levels({9, cs.k, cs.k, cs.c}, wl, 3 * cs.c + levels);
            const Conv2dArgs args = args_of(cs.stride, cs.pad);
            const auto want = float_conv(x, w, args);
            const BitActs a = pack_sign_acts(x);
            const BitConvWeights bw = pack_conv_weights(w, levels);
            for (BitIsa isa : supported_bit_isas()) {
                SCOPED_TRACE(std::string(bit_isa_name(isa)) + " c=" + std::to_string(cs.c) +
                             " k=" + std::to_string(cs.k) + " levels=" + std::to_string(levels));
                EXPECT_EQ(bit_conv2d(a, bw, args, isa).to_vector<int32_t>(), want);
            }
        }
}

TEST(BitConv, UnsignedPlanesEqualFloatConvOfCodes) {
    for (int bits : {1, 2, 3})
        for (int levels : {2, 3}) {
            const float top = static_cast<float>((1 << bits) - 1);
            std::vector<float> al;
            for (int j = 0; j <= (1 << bits) - 1; ++j)
                al.push_back(static_cast<float>(j) / top);
            const std::vector<float> wl =
                levels == 2 ? std::vector<float>{-1, 1} : std::vector<float>{-1, 0, 1};
            const Tensor x = random_levels({2, 6, 5, 67}, al, bits);
            const Tensor w = random_levels({6, 3, 3, 67}, wl, 10 + levels);
            const Conv2dArgs args = args_of(1, 1);
            // The integer result is the dot of the codes round(x (2^k - 1)) with the weights.
            const auto want = float_conv(x * top, w, args);
            SCOPED_TRACE("bits " + std::to_string(bits) + " levels " + std::to_string(levels));
            EXPECT_EQ(bit_conv2d(pack_unsigned_acts(x, bits), pack_conv_weights(w, levels), args)
                          .to_vector<int32_t>(),
                      want);
        }
}

TEST(BitConv, ExportPackedWeightsMatchFloatWeights) {
    for (int levels : {2, 3}) {
        const std::vector<float> wl =
            levels == 2 ? std::vector<float>{-1, 1} : std::vector<float>{-1, 0, 1};
        const Tensor w = random_levels({4, 3, 3, 10}, wl, 77 + levels);
        std::vector<uint8_t> codes;
        for (float f : w.to_vector<float>())
            codes.push_back(static_cast<uint8_t>(levels == 2 ? (f > 0) : f + 1));
        const PackedTensor p = pack_codes(Tensor::from_vector(codes, w.shape()), levels);
        const Tensor x = random_levels({1, 5, 5, 10}, {-1, 1}, 5);
        EXPECT_EQ(
            bit_conv2d(pack_sign_acts(x), pack_conv_weights(p), args_of(1, 1)).to_vector<int32_t>(),
            float_conv(x, w, args_of(1, 1)));
    }
}

TEST(BitConv, PatchesHoldTapBitsInOhwiOrder) {
    // One 2x2 image of 3 channels, 2x2 kernel, no padding: the single patch is the image.
    const Tensor x = Tensor::from_vector(
        std::vector<float>{1, -1, 1, -1, -1, 1, 1, 1, -1, -1, 1, -1}, {1, 2, 2, 3});
    const BitActs a = pack_sign_acts(x);
    const ConvProblem p = conv2d_problem({1, 2, 2, 3}, {1, 2, 2, 3}, Conv2dArgs{});
    const SignRows r = bit_patches(a.planes[0], 3, p);
    ASSERT_EQ(r.words.shape(), Shape({1, 1}));
    EXPECT_EQ(static_cast<uint64_t>(r.words.to_vector<int64_t>()[0]), 0b010011100101u);
    EXPECT_TRUE(testing::throws_with([&] { bit_patches(a.planes[0], 4, p); },
                                     {"bit_patches", "3 channels"}));
}

TEST(BitConv, BadArgumentsThrow) {
    const Tensor x = random_levels({1, 4, 4, 8}, {-1, 1}, 1);
    const BitActs a = pack_sign_acts(x);
    EXPECT_TRUE(throws_with(
        [] {
            pack_conv_weights(Tensor::full({2, 3, 3, 4}, 0.5f), 2);
        },
        {"weight 0", "0.5", "-1 or +1"}));
    EXPECT_TRUE(throws_with(
        [] {
            pack_conv_weights(Tensor::full({2, 3, 3, 4}, 0.0f), 2);
        },
        {"binary"}));
    EXPECT_TRUE(throws_with(
        [] {
            pack_conv_weights(Tensor::full({2, 3, 3, 4}, 1.0f), 4);
        },
        {"4 levels"}));
    const BitConvWeights w7 = pack_conv_weights(Tensor::full({2, 3, 3, 7}, 1.0f), 2);
    EXPECT_TRUE(throws_with([&] { bit_conv2d(a, w7, Conv2dArgs{}); }, {"8 channels", "7"}));
    Conv2dArgs dil;
    dil.dilation_h = 2;
    const BitConvWeights w8 = pack_conv_weights(Tensor::full({2, 3, 3, 8}, 1.0f), 2);
    EXPECT_TRUE(throws_with([&] { bit_conv2d(a, w8, dil); }, {"dilation"}));
    const BitConvWeights big = pack_conv_weights(Tensor::full({2, 5, 5, 8}, 1.0f), 2);
    EXPECT_TRUE(throws_with([&] { bit_conv2d(a, big, Conv2dArgs{}); }, {"bit_conv2d"}));
}

}  // namespace
}  // namespace mdq
