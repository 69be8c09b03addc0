// Binary GEMM on packed signs: every variant this processor runs equals the float +-1 product
// exactly, for K around word boundaries, with garbage in the padding bits; the layout matches
// pack_codes; MDQ_CPU_ISA picks the variant; bad arguments throw; the GPU bodies (PackSignRows,
// BitGemmCells) give the CPU results at the CUDA launch shape and an odd one.
#include "kernels/bitconv/bitgemm.h"

#include <cstdlib>

#include "kernels/bitconv/bitgemm_math.h"
#include "kernels/quant/pack.h"
#include "tests/testing/grid_emulation.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

// Values in [-1, 1) with exact zeros sprinkled in (sign(0) = +1 in the packing).
Tensor random_rows(int64_t rows, int64_t k, uint64_t seed) {
    std::vector<float> v(static_cast<size_t>(rows * k));
    uint64_t x = seed * 2654435761u + 7;
    for (auto& f : v) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        const uint64_t r = x >> 33;
        f = r % 17 == 0 ? 0.0f : static_cast<float>(r % 2001) / 1000.0f - 1.0f;
    }
    return Tensor::from_vector(v, {rows, k});
}

// out[o][n] = sum_k s(w[o][k]) s(a[n][k]) in float, s(u) = u >= 0 ? 1 : -1.
std::vector<int32_t> float_reference(const Tensor& w, const Tensor& a) {
    const auto wv = w.to_vector<float>(), av = a.to_vector<float>();
    const int64_t o = w.size(0), n = a.size(0), k = w.size(1);
    std::vector<int32_t> out(static_cast<size_t>(o * n));
    for (int64_t i = 0; i < o; ++i)
        for (int64_t j = 0; j < n; ++j) {
            float s = 0;
            for (int64_t c = 0; c < k; ++c)
                s += (wv[i * k + c] >= 0 ? 1.0f : -1.0f) * (av[j * k + c] >= 0 ? 1.0f : -1.0f);
            out[static_cast<size_t>(i * n + j)] = static_cast<int32_t>(s);
        }
    return out;
}

// Sets every padding bit, which the tail mask must ignore.
void dirty_padding(SignRows& r) {
    const int64_t words = r.words.size(1), live = r.k % 64;
    if (live == 0) return;
    auto* p = r.words.data<int64_t>();
    for (int64_t i = 0; i < r.rows; ++i)
        p[i * words + words - 1] |= static_cast<int64_t>(~((uint64_t(1) << live) - 1u));
}

TEST(BitGemm, EveryVariantEqualsFloatReference) {
    const auto isas = supported_bit_isas();
    ASSERT_FALSE(isas.empty());
    EXPECT_EQ(isas.front(), BitIsa::Scalar);
    for (int64_t k : {1, 63, 64, 65, 1000}) {
        const Tensor w = random_rows(7, k, 100 + k), a = random_rows(5, k, 200 + k);
        const auto want = float_reference(w, a);
        SignRows pw = pack_sign_rows(w), pa = pack_sign_rows(a);
        dirty_padding(pw);
        dirty_padding(pa);
        for (BitIsa isa : isas) {
            SCOPED_TRACE(std::string(bit_isa_name(isa)) + " k=" + std::to_string(k));
            const Tensor out = bitgemm(pw, pa, isa);
            ASSERT_EQ(out.shape(), Shape({7, 5}));
            EXPECT_EQ(out.to_vector<int32_t>(), want);
        }
    }
}

TEST(BitGemm, LargeKExercisesVectorBodyAndThreads) {
    const int64_t k = 64 * 19 + 5;  // 20 words: two full groups of 8, a partial one, a tail
    const Tensor w = random_rows(33, k, 1), a = random_rows(70, k, 2);
    const auto want = float_reference(w, a);
    for (BitIsa isa : supported_bit_isas()) {
        SCOPED_TRACE(bit_isa_name(isa));
        EXPECT_EQ(bitgemm(pack_sign_rows(w), pack_sign_rows(a), isa).to_vector<int32_t>(), want);
    }
}

TEST(BitGemm, PackingMatchesPackCodesLayout) {
    // A row of 64 signs is one word whose little-endian bytes are pack_codes' bytes.
    const Tensor x = random_rows(1, 64, 9);
    const auto xv = x.to_vector<float>();
    std::vector<uint8_t> codes;
    for (float f : xv)
        codes.push_back(f >= 0 ? 1 : 0);
    const PackedTensor p = pack_codes(Tensor::from_vector(codes, {64}), 2);
    const auto bytes = p.data.to_vector<uint8_t>();
    const uint64_t word = static_cast<uint64_t>(pack_sign_rows(x).words.to_vector<int64_t>()[0]);
    for (int b = 0; b < 8; ++b)
        EXPECT_EQ(static_cast<uint8_t>(word >> (8 * b)), bytes[static_cast<size_t>(b)]) << b;
}

TEST(BitGemm, EnvironmentOverridePicksVariant) {
    const char* old = std::getenv("MDQ_CPU_ISA");
    const std::string saved = old ? old : "";
    setenv("MDQ_CPU_ISA", "scalar", 1);
    EXPECT_EQ(selected_bit_isa(), BitIsa::Scalar);
    setenv("MDQ_CPU_ISA", "sse9", 1);
    EXPECT_TRUE(throws_with([] { selected_bit_isa(); }, {"unknown", "sse9", "scalar"}));
    unsetenv("MDQ_CPU_ISA");
    EXPECT_EQ(selected_bit_isa(), supported_bit_isas().back());
    if (old) setenv("MDQ_CPU_ISA", saved.c_str(), 1);
}

TEST(BitGemm, BadArgumentsThrow) {
    const SignRows a = pack_sign_rows(random_rows(3, 65, 1));
    const SignRows b = pack_sign_rows(random_rows(3, 64, 2));
    EXPECT_TRUE(throws_with([&] { bitgemm(a, b); }, {"65", "64"}));
    SignRows bad = a;
    bad.k = 200;
    EXPECT_TRUE(throws_with([&] { bitgemm(bad, a); }, {"words", "200"}));
    EXPECT_TRUE(throws_with([&] { bitgemm(SignRows{}, a); }, {"bitgemm"}));
    EXPECT_TRUE(throws_with([] { pack_sign_rows(Tensor::zeros({4}, DType::F32)); }, {"[rows, k"}));
    EXPECT_TRUE(throws_with([] { pack_sign_rows(Tensor::zeros({2, 3}, DType::I32)); }, {"f32"}));
    EXPECT_TRUE(throws_with([] { bit_isa_from_name("mmx"); }, {"mmx", "avx512"}));
    if (!bit_isa_supported(BitIsa::Avx512)) {
        EXPECT_TRUE(throws_with([&] { bitgemm(a, a, BitIsa::Avx512); }, {"not supported"}));
    }
}

TEST(GridEmulation, PackSignRowsAndBitGemmCellsMatchCpu) {
    // K around word boundaries; 5 x 7 cells fit one block, 37 x 53 take eight.
    for (int64_t k : {1, 63, 64, 65, 130}) {
        // Plain names, not a structured binding: C++17 lambdas cannot capture bindings.
        for (const auto& shape : {std::pair<int64_t, int64_t>{5, 7}, {37, 53}}) {
            const int64_t o = shape.first, n = shape.second;
            const Tensor w = random_rows(o, k, 3 + k), a = random_rows(n, k, 4 + k);
            const SignRows cw = pack_sign_rows(w), ca = pack_sign_rows(a);
            const int64_t words = math::sign_words(k);
            const std::string what =
                std::to_string(o) + " x " + std::to_string(n) + ", k " + std::to_string(k);
            testing::expect_grid_shapes_give(
                {cw.words},
                [&](auto runner) {
                    // Padding bits preset to ones: the body must write whole words.
                    Tensor out = Tensor::full({o, words}, -1.0, DType::I64);
                    decltype(runner)::run(
                        PackSignRows{w.data<float>(),
                                     reinterpret_cast<uint64_t*>(out.data<int64_t>()), o * words, k,
                                     words},
                        Device::cpu());
                    return std::vector<Tensor>{out};
                },
                "PackSignRows " + what);
            testing::expect_grid_shapes_give(
                {bitgemm(cw, ca)},
                [&](auto runner) {
                    Tensor out = Tensor::full({o, n}, -7777.0, DType::I32);
                    // As bitgemm() builds it for a GPU.
                    decltype(runner)::run(
                        BitGemmCells{reinterpret_cast<const uint64_t*>(cw.words.data<int64_t>()),
                                     reinterpret_cast<const uint64_t*>(ca.words.data<int64_t>()),
                                     out.data<int32_t>(), o * n, n, words, k},
                        Device::cpu());
                    return std::vector<Tensor>{out};
                },
                "BitGemmCells " + what);
        }
    }
}

}  // namespace
}  // namespace mdq
