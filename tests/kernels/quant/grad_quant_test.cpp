// DoReFa gradient quantization: identity forward, quantized values on the per-sample k-bit grid,
// determinism under a fixed generator state (and so exact resumption from a saved offset),
// unbiased stochastic rounding, zero rows, bad bits, and CPU/GPU parity.
#include <cmath>

#include "kernels/ops.h"
#include "tests/kernels/quant/grad_quant_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_equal;
using testing::quantized_grad;
using testing::random_tensor;
using testing::throws_with;

TEST(GradQuant, ForwardIsTheIdentity) {
    Tensor x = random_tensor({3, 4}, 1).set_requires_grad(true);
    Generator gen(1);
    EXPECT_TRUE(all_equal(grad_quantize(x, 4, &gen), x));
    EXPECT_EQ(gen.offset(), 3u);  // ceil(12 / 4) blocks reserved
}

TEST(GradQuant, ValuesLieOnThePerSampleGrid) {
    for (int bits : {1, 2, 6, 8}) {
        Tensor g = random_tensor({4, 3, 5}, 2, -3, 3);
        g.data<float>()[7] = 5.0f;  // sample 0 gets a larger max
        Generator gen(9);
        Tensor q = quantized_grad(g, bits, gen);
        const double steps = (1 << bits) - 1;
        for (int64_t n = 0; n < 4; ++n) {
            double m = 0;
            for (int64_t i = 0; i < 15; ++i)
                m = std::max(m, std::abs(static_cast<double>(g.data<float>()[n * 15 + i])));
            for (int64_t i = 0; i < 15; ++i) {
                const double v = q.data<float>()[n * 15 + i] / (2 * m) + 0.5;
                const double k = v * steps;
                EXPECT_NEAR(k, std::round(k), 1e-4) << "bits " << bits << " sample " << n;
                EXPECT_GE(v, -1e-6);
                EXPECT_LE(v, 1 + 1e-6);
            }
        }
    }
}

TEST(GradQuant, DeterministicAndResumableFromTheGeneratorState) {
    Tensor g = random_tensor({8, 33}, 3);
    Generator a(42), b(42);
    Tensor qa1 = quantized_grad(g, 4, a), qa2 = quantized_grad(g, 4, a);
    // Resuming: a fresh generator set to the saved offset gives the second draw again.
    b.set_offset(a.offset() - static_cast<uint64_t>((g.numel() + 3) / 4));
    EXPECT_TRUE(all_equal(quantized_grad(g, 4, b), qa2));
    Generator c(42);
    EXPECT_TRUE(all_equal(quantized_grad(g, 4, c), qa1));
    EXPECT_FALSE(all_equal(qa1, qa2));  // the noise moves on
}

TEST(GradQuant, StochasticRoundingIsUnbiased) {
    Tensor g = random_tensor({2, 50}, 4);
    Generator gen(7);
    const int draws = 2000, bits = 2;
    std::vector<double> acc(static_cast<size_t>(g.numel()), 0.0);
    for (int d = 0; d < draws; ++d) {
        Tensor q = quantized_grad(g, bits, gen);
        for (int64_t i = 0; i < g.numel(); ++i)
            acc[static_cast<size_t>(i)] += q.data<float>()[i];
    }
    for (int64_t n = 0; n < 2; ++n) {
        double m = 0;
        for (int64_t i = 0; i < 50; ++i)
            m = std::max(m, std::abs(static_cast<double>(g.data<float>()[n * 50 + i])));
        // One draw is off by at most one grid step 2m/3: 5 standard errors of the mean.
        const double tol = 5.0 * (2 * m / 3) / std::sqrt(draws);
        for (int64_t i = 0; i < 50; ++i)
            EXPECT_NEAR(acc[static_cast<size_t>(n * 50 + i)] / draws, g.data<float>()[n * 50 + i],
                        tol);
    }
}

TEST(GradQuant, ZeroSampleStaysZero) {
    Tensor g = Tensor::zeros({2, 6});
    g.data<float>()[7] = 1.0f;
    Generator gen(3);
    Tensor q = quantized_grad(g, 3, gen);
    for (int i = 0; i < 6; ++i)
        EXPECT_EQ(q.data<float>()[i], 0.0f);
}

TEST(GradQuant, BadBits) {
    Tensor x = Tensor::ones({2, 2}).set_requires_grad(true);
    EXPECT_TRUE(
        throws_with([&] { grad_quantize(x, 40); }, {"grad_quantize", "bits must be in [1, 16]"}));
    EXPECT_TRUE(throws_with([&] { grad_quantize(x, 0); }, {"bits must be in [1, 16]"}));
}
}  // namespace
}  // namespace mdq
