// Hard quantization rules and bit packing (docs/METHOD.md 1.8, K6): round trips for every width,
// the tie decisions, byte layout, bad input, and the four grid bodies at the CUDA launch shape
// and an odd one.
#include "kernels/quant/pack.h"

#include <cmath>

#include "kernels/quant/pack_math.h"
#include "tests/testing/grid_emulation.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

Tensor codes_for(int64_t n, int levels, uint64_t seed) {
    std::vector<uint8_t> c(static_cast<size_t>(n));
    uint64_t x = seed * 2654435761u + 1;
    for (auto& v : c) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        v = static_cast<uint8_t>((x >> 33) % static_cast<uint64_t>(levels));
    }
    return Tensor::from_vector(c, {n});
}

TEST(Pack, BitsPerLevelCount) {
    EXPECT_EQ(bits_for_levels(2), 1);
    EXPECT_EQ(bits_for_levels(3), 2);
    EXPECT_EQ(bits_for_levels(4), 2);
    EXPECT_EQ(bits_for_levels(5), 3);
    EXPECT_EQ(bits_for_levels(8), 3);
    EXPECT_EQ(bits_for_levels(16), 4);
    EXPECT_EQ(bits_for_levels(256), 8);
    EXPECT_TRUE(throws_with([] { bits_for_levels(1); }, {"levels", "[2, 256]"}));
}

TEST(Pack, RoundTripsEveryWidth) {
    for (int levels : {2, 3, 4, 5, 8, 13, 16, 256}) {
        for (int64_t n : {1, 7, 8, 33, 1001}) {
            const Tensor c = codes_for(n, levels, static_cast<uint64_t>(n * levels));
            const PackedTensor p = pack_codes(c, levels);
            EXPECT_EQ(p.bits, bits_for_levels(levels));
            EXPECT_EQ(p.data.numel(), (n * p.bits + 7) / 8);
            EXPECT_TRUE(testing::all_equal(unpack_codes(p), c)) << levels << " " << n;
            const std::vector<float> vals = unpack_values(p).to_vector<float>();
            const std::vector<uint8_t> cv = c.to_vector<uint8_t>();
            for (size_t i = 0; i < cv.size(); ++i)
                ASSERT_EQ(vals[i], math::level_value<float>(cv[i], levels));
        }
    }
}

TEST(Pack, LittleEndianBitLayout) {
    // Binary: code i is bit i % 8 of byte i / 8.
    const PackedTensor b =
        pack_codes(Tensor::from_vector(std::vector<uint8_t>{1, 0, 1, 1, 0, 0, 0, 1, 1}, {9}), 2);
    EXPECT_EQ(b.data.to_vector<uint8_t>(), (std::vector<uint8_t>{0x8d, 0x01}));
    // Ternary: 2 bits per code, -1/0/+1 are codes 0/1/2.
    const PackedTensor t =
        pack_codes(Tensor::from_vector(std::vector<uint8_t>{2, 1, 0, 2, 1}, {5}), 3);
    EXPECT_EQ(t.data.to_vector<uint8_t>(), (std::vector<uint8_t>{0x86, 0x01}));
    // 3-bit codes straddle bytes: 5, 6, 7 -> bits 101 110 111 -> 0b11110101, 0b1.
    const PackedTensor k = pack_codes(Tensor::from_vector(std::vector<uint8_t>{5, 6, 7}, {3}), 8);
    EXPECT_EQ(k.data.to_vector<uint8_t>(), (std::vector<uint8_t>{0xf5, 0x01}));
}

TEST(Pack, HardRules) {
    const Tensor u = Tensor::from_vector(std::vector<float>{-0.3f, 0.0f, -0.0f, 2.0f}, {4});
    EXPECT_EQ(hard_codes({HardRule::Sign, 2, 1.0}, u, {4}).to_vector<uint8_t>(),
              (std::vector<uint8_t>{0, 1, 1, 1}));  // sign(0) = +1
    // Ternary thresholds +-1/2 on P_beta(u) (the final test rounding of
    // docs/METHOD.md 1.8), not on u.
    const Tensor t = Tensor::from_vector(std::vector<float>{-0.55f, 0.55f, 0.6f, 1.2f}, {4});
    EXPECT_EQ(hard_codes({HardRule::NearestProjected, 3, 1.0}, t, {4}).to_vector<uint8_t>(),
              (std::vector<uint8_t>{1, 1, 1, 2}));  // P_1(0.6) = 0.45 < 1/2
    EXPECT_EQ(hard_codes({HardRule::NearestProjected, 3, 100.0}, t, {4}).to_vector<uint8_t>(),
              (std::vector<uint8_t>{0, 2, 2, 2}));
    EXPECT_EQ(hard_codes({HardRule::Nearest, 3, 1.0}, t, {4}).to_vector<uint8_t>(),
              (std::vector<uint8_t>{0, 2, 2, 2}));
    // Argmax over groups in the [O*d, rest] layout: weight (j, r) reads rows j*d + l.
    const Tensor z = Tensor::from_vector(
        std::vector<float>{0.1f, 0.9f, 0.5f, 0.5f, 0.3f, 0.2f, 0.0f, 0.0f, 1.0f, 1.0f, 0.0f, 0.0f},
        {4, 3});  // weight [2, 3], d = 2
    EXPECT_EQ(hard_codes({HardRule::Argmax, 2, 1.0}, z, {2, 3}).to_vector<uint8_t>(),
              (std::vector<uint8_t>{1, 0, 0, 1, 0, 0}));  // (1, 1) ties: the first index
}

TEST(Pack, BadInput) {
    EXPECT_TRUE(throws_with([] { pack_codes(Tensor::zeros({4}), 2); }, {"codes", "contiguous u8"}));
    PackedTensor p = pack_codes(codes_for(10, 3, 1), 3);
    p.bits = 1;
    EXPECT_TRUE(throws_with([&] { unpack_codes(p); }, {"3 levels pack into 2 bits"}));
    p.bits = 2;
    p.shape = {13};
    EXPECT_TRUE(throws_with([&] { unpack_codes(p); }, {"need 4 bytes"}));
    EXPECT_TRUE(throws_with(
        [] {
            hard_codes({HardRule::Sign, 3, 1.0}, Tensor::zeros({3}), {3});
        },
        {"sign rule is binary"}));
    EXPECT_TRUE(throws_with(
        [] {
            hard_codes({HardRule::Argmax, 3, 1.0}, Tensor::zeros({4, 3}), {2, 3});
        },
        {"expected [6, 3]"}));
}

TEST(GridEmulation, HardCodesMatchCpu) {
    // Weight [5, 13]: 65 codes, one block at the CUDA shape, under one pass of the 3 x 37 grid;
    // [40, 33]: 1320 codes, several blocks and grid-stride passes.
    for (const Shape& ws : {Shape{5, 13}, Shape{40, 33}}) {
        const int64_t n = numel(ws);
        for (const HardSpec spec :
             {HardSpec{HardRule::Sign, 2, 1.0}, HardSpec{HardRule::Nearest, 3, 1.0},
              HardSpec{HardRule::NearestProjected, 5, 2.0}, HardSpec{HardRule::Argmax, 4, 1.0}}) {
            const bool argmax = spec.rule == HardRule::Argmax;
            Shape ss = ws;
            if (argmax) ss[0] *= spec.levels;
            const Tensor stored = testing::random_tensor(ss, 3 + n, -1.5, 1.5);
            testing::expect_grid_shapes_give(
                {hard_codes(spec, stored, ws)},
                [&](auto runner) {
                    Tensor codes = Tensor::full(ws, 255.0, DType::U8);
                    HardCodes e{};  // as hard_codes() builds it
                    e.n = n;
                    e.row = argmax ? n / ws[0] : 1;
                    e.s = stored.data<float>();
                    e.codes = codes.data<uint8_t>();
                    e.d = spec.levels;
                    e.beta = static_cast<float>(spec.beta);
                    e.rule = spec.rule;
                    decltype(runner)::run(e, Device::cpu());
                    return std::vector<Tensor>{codes};
                },
                "HardCodes rule " + std::to_string(static_cast<int>(spec.rule)) + ", " +
                    shape_str(ws));
        }
    }
}

TEST(GridEmulation, PackUnpackAndValuesMatchCpu) {
    // Code counts whose bits fill no whole byte (count * bits not a multiple of 8) and widths
    // whose codes straddle bytes (3, 5, 7 bits).
    for (int64_t count : {1, 7, 31, 1001}) {
        for (int levels : {2, 3, 5, 8, 17, 100, 256}) {
            const Tensor codes = codes_for(count, levels, 5 + count);
            const PackedTensor p = pack_codes(codes, levels);
            const std::string what =
                std::to_string(count) + " codes, " + std::to_string(levels) + " levels";
            const int64_t nbytes = p.data.numel();
            testing::expect_grid_shapes_give(
                {p.data},
                [&](auto runner) {
                    Tensor out = Tensor::full({nbytes}, 0xa5, DType::U8);
                    decltype(runner)::run(
                        PackBits{codes.data<uint8_t>(), out.data<uint8_t>(), nbytes, count, p.bits},
                        Device::cpu());
                    return std::vector<Tensor>{out};
                },
                "PackBits " + what);
            testing::expect_grid_shapes_give(
                {unpack_codes(p)},
                [&](auto runner) {
                    Tensor out = Tensor::full({count}, 255.0, DType::U8);
                    decltype(runner)::run(UnpackBits{p.data.data<uint8_t>(), out.data<uint8_t>(),
                                                     count, nbytes, p.bits},
                                          Device::cpu());
                    return std::vector<Tensor>{out};
                },
                "UnpackBits " + what);
            testing::expect_grid_shapes_give(
                {unpack_values(p)},
                [&](auto runner) {
                    Tensor out = Tensor::full({count}, NAN);
                    decltype(runner)::run(
                        CodeValues{codes.data<uint8_t>(), out.data<float>(), count, levels},
                        Device::cpu());
                    return std::vector<Tensor>{out};
                },
                "CodeValues " + what);
        }
    }
}

}  // namespace
}  // namespace mdq
