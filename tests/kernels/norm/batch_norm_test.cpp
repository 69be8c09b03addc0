// batch_norm: a hand-computed batch, running statistics after two steps, eval mode, f64
// gradient checks (training and eval, affine and not, 2-D and 4-D), bad input, and CPU-vs-CUDA
// parity in f32 and bf16.
#include <cmath>

#include "kernels/norm/batch_norm.h"
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

TEST(BatchNormCuda, ParityWithCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device gpu = Device::cuda();
    uint64_t seed = 300;
    for (const Shape& shape :
         {Shape{7, 33}, Shape{3, 5, 7, 19}, Shape{2, 9, 9, 1}, Shape{129, 3}}) {
        const int64_t c = shape.back();
        for (bool training : {true, false}) {
            Tensor x = random_tensor(shape, ++seed, -2, 3), dy = random_tensor(shape, ++seed);
            Tensor w = random_tensor({c}, ++seed, 0.5, 2), b = random_tensor({c}, ++seed);
            Tensor rm = random_tensor({c}, ++seed), rv = random_tensor({c}, ++seed, 0.5, 2);
            Tensor rm_g = rm.to(gpu), rv_g = rv.to(gpu);
            Tensor xg = x.to(gpu).set_requires_grad(true), wg = w.to(gpu).set_requires_grad(true);
            Tensor bg = b.to(gpu).set_requires_grad(true);
            Tensor xc = x.detach().set_requires_grad(true), wc = w.detach().set_requires_grad(true);
            Tensor bc = b.detach().set_requires_grad(true);
            Tensor yg = batch_norm(xg, wg, bg, rm_g, rv_g, training);
            Tensor yc = batch_norm(xc, wc, bc, rm, rv, training);
            EXPECT_TRUE(all_close(yg, yc, 1e-4, 1e-5)) << shape_str(shape);
            EXPECT_TRUE(all_close(rm_g, rm, 1e-5, 1e-6));
            EXPECT_TRUE(all_close(rv_g, rv, 1e-5, 1e-6));
            sum(yg * dy.to(gpu)).backward();
            sum(yc * dy).backward();
            EXPECT_TRUE(all_close(xg.grad(), xc.grad(), 1e-4, 1e-5)) << shape_str(shape);
            EXPECT_TRUE(all_close(wg.grad(), wc.grad(), 1e-4, 1e-4));
            EXPECT_TRUE(all_close(bg.grad(), bc.grad(), 1e-4, 1e-4));
        }
    }
}

TEST(BatchNormCuda, RawKernelsWriteEveryOutput) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device gpu = Device::cuda();
    Tensor x = random_tensor({6, 5, 3, 17}, 1).to(gpu);
    Tensor y = Tensor::full(x.shape(), NAN, DType::F32, gpu);
    Tensor mean = Tensor::full({17}, NAN, DType::F32, gpu),
           inv = Tensor::full({17}, NAN, DType::F32, gpu);
    batch_norm_forward_into(x, Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, 1e-5, y, mean,
                            inv);
    Tensor dx = Tensor::full(x.shape(), NAN, DType::F32, gpu);
    Tensor sums = Tensor::full({2, 17}, NAN, DType::F32, gpu);
    batch_norm_backward_into(x, random_tensor(x.shape(), 2).to(gpu), Tensor(), mean, inv, true, dx,
                             sums);
    for (const Tensor* t : {&y, &mean, &inv, &dx, &sums})
        EXPECT_EQ(sum(ne(*t, *t)).item<int64_t>(), 0) << "NaN left in " << t->str();
}

TEST(BatchNormCuda, Bf16MatchesF32WithinBf16Tolerance) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device gpu = Device::cuda();
    Tensor x = random_tensor({8, 6, 6, 24}, 5, -3, 3).to(DType::BF16);
    Tensor w = random_tensor({24}, 6, 0.5, 2), b = random_tensor({24}, 7);
    Tensor dy = random_tensor(x.shape(), 8).to(DType::BF16);
    Tensor xg = x.to(gpu).set_requires_grad(true);
    Tensor yg = batch_norm(xg, w.to(gpu), b.to(gpu), Tensor(), Tensor(), true);
    EXPECT_EQ(yg.dtype(), DType::BF16);
    Tensor xr = x.to(DType::F32).set_requires_grad(true);
    Tensor yr = batch_norm(xr, w, b, Tensor(), Tensor(), true);
    EXPECT_TRUE(all_close(yg, yr, 2e-2, 2e-2));
    sum(yg * dy.to(gpu)).backward();
    sum(yr * dy.to(DType::F32)).backward();
    EXPECT_EQ(xg.grad().dtype(), DType::BF16);
    EXPECT_TRUE(all_close(xg.grad(), xr.grad(), 3e-2, 3e-2));
}

}  // namespace
}  // namespace mdq
