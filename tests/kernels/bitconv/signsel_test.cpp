// Float activations through binary and ternary weights: every variant agrees with mdq's float
// convolution of the same weight values to float rounding, with padding, strides and 1x1
// layers, K below, at and past a multiple of 16 and 64, row blocks not a multiple of 4; bad
// arguments throw.
#include "kernels/bitconv/signsel.h"

#include "kernels/conv/conv.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::random_tensor;
using testing::throws_with;

Tensor random_levels(const Shape& s, int levels, uint64_t seed) {
    std::vector<float> v(static_cast<size_t>(numel(s)));
    uint64_t x = seed * 0x9e3779b97f4a7c15ull + 3;
    for (auto& f : v) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        const int r = static_cast<int>((x >> 33) % static_cast<uint64_t>(levels));
        f = levels == 2 ? (r == 0 ? -1.0f : 1.0f) : static_cast<float>(r - 1);
    }
    return Tensor::from_vector(v, s);
}

void expect_close(const std::vector<float>& got, const std::vector<float>& want, double k) {
    ASSERT_EQ(got.size(), want.size());
    // Sums of k terms of magnitude <= 1 in a different order: a few ulps of k.
    const double tol = 1e-6 * k;
    for (size_t i = 0; i < got.size(); ++i)
        ASSERT_NEAR(got[i], want[i], tol) << i;
}

TEST(SignSelect, ConvEqualsFloatConvForEveryVariant) {
    struct Case {
        int64_t c, k, stride, pad;
    };
    for (const Case cs : {Case{1, 5, 1, 2}, Case{16, 5, 1, 2}, Case{7, 3, 2, 1}, Case{70, 1, 1, 0}})
        for (int levels : {2, 3}) {
            const Tensor x = random_tensor({2, 9, 7, cs.c}, 10 + static_cast<uint64_t>(cs.c));
            const Tensor w = random_levels({11, cs.k, cs.k, cs.c}, levels, 5 + cs.k);
            Conv2dArgs args;
            args.stride_h = args.stride_w = cs.stride;
            args.pad_h = args.pad_w = cs.pad;
            const auto want = conv2d(x, w, Tensor(), args).to_vector<float>();
            const BitConvWeights bw = pack_conv_weights(w, levels);
            for (BitIsa isa : supported_bit_isas()) {
                SCOPED_TRACE(std::string(bit_isa_name(isa)) + " c=" + std::to_string(cs.c) +
                             " levels=" + std::to_string(levels));
                expect_close(sign_select_conv2d(x, bw, args, isa).to_vector<float>(), want,
                             static_cast<double>(cs.k * cs.k * cs.c));
            }
        }
}

TEST(SignSelect, BadArgumentsThrow) {
    const BitConvWeights w = pack_conv_weights(random_levels({3, 1, 1, 8}, 2, 1), 2);
    EXPECT_TRUE(throws_with(
        [&] {
            sign_select_gemm(Tensor::zeros({4, 7}, DType::F32), w);
        },
        {"[rows, 8]"}));
    EXPECT_TRUE(throws_with(
        [&] {
            sign_select_conv2d(Tensor::zeros({1, 2, 2, 8}, DType::I32), w, {});
        },
        {"f32 NHWC"}));
    EXPECT_TRUE(throws_with(
        [&] {
            sign_select_conv2d(Tensor::zeros({1, 2, 2, 5}, DType::F32), w, {});
        },
        {"sign_select_conv2d"}));
}

}  // namespace
}  // namespace mdq
