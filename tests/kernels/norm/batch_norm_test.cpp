// batch_norm: a hand-computed batch, running statistics after two steps, eval mode, f64
// gradient checks (training and eval, affine and not, 2-D and 4-D), bf16 on the CPU, bad input;
// the GPU launches (f32 statistics per column) run at the CUDA launch shape and an odd one.
// On a GPU: batch_norm_cuda_test.cpp.
#include <cmath>

#include "kernels/norm/batch_norm.h"
#include "kernels/norm/batch_norm_impl.h"
#include "tests/testing/grid_emulation.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::gradcheck;
using testing::random_tensor;
using testing::throws_with;

TEST(BatchNorm, HandComputedBatch) {
    // Channel 0 holds 1, 2, 3, 4 (mean 2.5, biased variance 1.25); channel 1 holds 2, 2, 2, 6
    // (mean 3, biased variance 3).
    Tensor x = Tensor::from_vector<double>({1, 2, 2, 2, 3, 2, 4, 6}, {4, 2});
    Tensor w = Tensor::from_vector<double>({2, 1}, {2}),
           b = Tensor::from_vector<double>({0, 1}, {2});
    Tensor y = batch_norm(x, w, b, Tensor(), Tensor(), true, 0.1, 1e-5);
    const double i0 = 1 / std::sqrt(1.25 + 1e-5), i1 = 1 / std::sqrt(3 + 1e-5);
    Tensor want = Tensor::from_vector<double>({2 * -1.5 * i0, 1 - i1, 2 * -0.5 * i0, 1 - i1,
                                               2 * 0.5 * i0, 1 - i1, 2 * 1.5 * i0, 1 + 3 * i1},
                                              {4, 2});
    EXPECT_TRUE(all_close(y, want, 1e-12, 1e-12));
}

TEST(BatchNorm, RunningStatisticsAfterTwoSteps) {
    Tensor rm = Tensor::zeros({2}), rv = Tensor::ones({2});
    Tensor a = Tensor::from_vector<float>({1, 2, 2, 2, 3, 2, 4, 6}, {2, 2, 1, 2});  // NHWC
    Tensor b = Tensor::from_vector<float>({0, 10, 2, 10, 4, 10, 6, 14}, {2, 1, 2, 2});
    batch_norm(a, Tensor(), Tensor(), rm, rv, true, 0.1, 1e-5);
    batch_norm(b, Tensor(), Tensor(), rm, rv, true, 0.1, 1e-5);
    // Unbiased variances: a -> (5/3, 4), b -> (20/3, 4); means: a -> (2.5, 3), b -> (3, 11).
    const double m0 = 0.9 * (0.1 * 2.5) + 0.1 * 3, m1 = 0.9 * (0.1 * 3) + 0.1 * 11;
    const double v0 = 0.9 * (0.9 + 0.1 * 5.0 / 3) + 0.1 * 20.0 / 3;
    const double v1 = 0.9 * (0.9 + 0.1 * 4) + 0.1 * 4;
    EXPECT_TRUE(all_close(rm, Tensor::from_vector<double>({m0, m1}, {2}), 1e-6, 1e-7));
    EXPECT_TRUE(all_close(rv, Tensor::from_vector<double>({v0, v1}, {2}), 1e-6, 1e-7));
}

TEST(BatchNorm, EvalModeUsesRunningStatistics) {
    Tensor x = random_tensor({3, 2, 2, 5}, 1, -2, 2, DType::F64);
    Tensor rm = random_tensor({5}, 2, -1, 1, DType::F64),
           rv = random_tensor({5}, 3, 0.5, 2, DType::F64);
    Tensor w = random_tensor({5}, 4, -1, 1, DType::F64),
           b = random_tensor({5}, 5, -1, 1, DType::F64);
    const Tensor rm0 = rm.clone(), rv0 = rv.clone();
    Tensor y = batch_norm(x, w, b, rm, rv, false, 0.1, 1e-3);
    EXPECT_TRUE(all_close(y, (x - rm0) / sqrt(rv0 + 1e-3) * w + b, 1e-12, 1e-12));
    EXPECT_TRUE(testing::all_equal(rm, rm0));  // eval leaves the statistics alone
    EXPECT_TRUE(testing::all_equal(rv, rv0));
}

TEST(BatchNorm, NonAffineEqualsUnitAffine) {
    Tensor x = random_tensor({4, 3, 3, 7}, 9, -3, 3);
    Tensor ones = Tensor::ones({7}), zeros = Tensor::zeros({7});
    EXPECT_TRUE(all_close(batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), true),
                          batch_norm(x, ones, zeros, Tensor(), Tensor(), true), 1e-6, 1e-6));
}

TEST(BatchNorm, GradientsMatchFiniteDifferences) {
    uint64_t seed = 20;
    for (const Shape& shape : {Shape{5, 3}, Shape{2, 3, 2, 4}, Shape{3, 1, 5, 1}}) {
        const int64_t c = shape.back();
        for (bool training : {true, false}) {
            for (bool affine : {true, false}) {
                Tensor x = random_tensor(shape, ++seed, -2, 2, DType::F64).set_requires_grad(true);
                Tensor rm = random_tensor({c}, ++seed, -1, 1, DType::F64);
                Tensor rv = random_tensor({c}, ++seed, 0.5, 2, DType::F64);
                std::vector<Tensor> in{x};
                if (affine) {
                    in.push_back(
                        random_tensor({c}, ++seed, 0.5, 2, DType::F64).set_requires_grad(true));
                    in.push_back(
                        random_tensor({c}, ++seed, -1, 1, DType::F64).set_requires_grad(true));
                }
                EXPECT_TRUE(gradcheck(
                    [&](const std::vector<Tensor>& t) {
                        return batch_norm(t[0], affine ? t[1] : Tensor(), affine ? t[2] : Tensor(),
                                          rm, rv, training, 0.1, 1e-5);
                    },
                    in, 1e-6, 1e-5))
                    << shape_str(shape) << " training " << training << " affine " << affine;
            }
        }
    }
}

TEST(BatchNorm, Bf16OnTheCpuMatchesF32) {
    Tensor x = random_tensor({4, 3, 3, 6}, 7, -3, 3);
    Tensor w = random_tensor({6}, 8), b = random_tensor({6}, 9);
    Tensor xb = x.to(DType::BF16);
    Tensor y = batch_norm(xb, w, b, Tensor(), Tensor(), true);
    EXPECT_EQ(y.dtype(), DType::BF16);
    EXPECT_TRUE(
        all_close(y, batch_norm(xb.to(DType::F32), w, b, Tensor(), Tensor(), true), 1e-2, 1e-2));
}

TEST(BatchNorm, BadInputNamesTheShapes) {
    Tensor x = Tensor::zeros({4, 3, 3, 6});
    EXPECT_TRUE(
        throws_with([&] { batch_norm(x, Tensor::ones({5}), Tensor(), Tensor(), Tensor(), true); },
                    {"batch_norm", "weight must be contiguous f32[6]", "f32[5]"}));
    EXPECT_TRUE(throws_with(
        [&] {
            batch_norm(Tensor::zeros({1, 6}), Tensor(), Tensor(), Tensor(), Tensor(), true);
        },
        {"more than one value per channel", "[1, 6]"}));
    EXPECT_TRUE(throws_with(
        [&] { batch_norm(Tensor::zeros({6}), Tensor(), Tensor(), Tensor(), Tensor(), true); },
        {"[N, C] or [N, H, W, C]", "[6]"}));
    EXPECT_TRUE(
        throws_with([&] { batch_norm(x, Tensor(), Tensor(), Tensor::zeros({6}), Tensor(), true); },
                    {"both be given"}));
}

// ---------------------------------------------------------------- GPU

TEST(GridEmulation, BatchNormGpuLaunchesMatchCpu) {
    // [rows, C]: 300 rows make 19 column chunks, more than one finishing pass takes (a tree).
    for (const Shape& shape : {Shape{2, 1}, Shape{37, 5}, Shape{300, 33}}) {
        for (DType dt : {DType::F32, DType::F64}) {
            const int64_t c = shape[1];
            const Tensor x = testing::random_tensor(shape, 41, -2.0, 2.0, dt);
            const Tensor dy = testing::random_tensor(shape, 42, -1.0, 1.0, dt);
            const Tensor weight = testing::random_tensor({c}, 43, 0.5, 1.5, dt);
            const Tensor bias = testing::random_tensor({c}, 44, -1.0, 1.0, dt);
            const Tensor rmean = testing::random_tensor({c}, 45, -1.0, 1.0, dt);
            const Tensor rvar = testing::random_tensor({c}, 46, 0.5, 2.0, dt);
            for (bool affine : {true, false}) {
                for (bool batch_stats : {true, false}) {
                    const Tensor w = affine ? weight : Tensor(), b = affine ? bias : Tensor();
                    const std::string what = shape_str(shape) + " " + dtype_name(dt) +
                                             (affine ? ", affine" : "") +
                                             (batch_stats ? ", batch statistics" : ", eval");
                    testing::expect_grid_shapes_match_cpu(
                        [&](auto runner) {
                            Tensor y = Tensor::full(shape, NAN, dt);
                            Tensor mean = Tensor::full({c}, NAN, dt);
                            Tensor invstd = Tensor::full({c}, NAN, dt);
                            Tensor rm = rmean.clone(), rv = rvar.clone();
                            launch_batch_norm_forward<decltype(runner), false>(
                                {x, w, b, rm, rv, batch_stats, 0.1, 1e-5, y, mean, invstd});
                            return std::vector<Tensor>{y, mean, invstd, rm, rv};
                        },
                        "forward " + what);
                    Tensor mean = Tensor::empty({c}, dt), invstd = Tensor::empty({c}, dt);
                    Tensor y = Tensor::empty(shape, dt), rm = rmean.clone(), rv = rvar.clone();
                    launch_batch_norm_forward<cpu::Runner, false>(
                        {x, w, b, rm, rv, batch_stats, 0.1, 1e-5, y, mean, invstd});
                    testing::expect_grid_shapes_match_cpu(
                        [&](auto runner) {
                            Tensor dx = Tensor::full(shape, NAN, dt);
                            Tensor sums = Tensor::full({2, c}, NAN, dt);
                            launch_batch_norm_backward<decltype(runner), false>(
                                {x, dy, w, mean, invstd, batch_stats, dx, sums});
                            return std::vector<Tensor>{dx, sums};
                        },
                        "backward " + what);
                }
            }
        }
    }
}

}  // namespace
}  // namespace mdq
