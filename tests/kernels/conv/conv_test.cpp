// conv2d: closed forms, a direct-loop reference on awkward geometries, f64 gradient checks,
// bad input, the blocked schedule. CPU-vs-cuDNN parity: conv_cuda_test.cpp.
#include <omp.h>

#include <cmath>

#include "kernels/conv/conv.h"
#include "tests/kernels/conv/conv_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using namespace conv_test;
using testing::all_close;
using testing::gradcheck;
using testing::random_tensor;
using testing::throws_with;

// The definition, one output element at a time, in f64.
Tensor reference_conv(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dArgs& a) {
    const ConvProblem p = conv2d_problem(x.shape(), w.shape(), a);
    const std::vector<double> xv = x.to_vector<double>(), wv = w.to_vector<double>();
    const std::vector<double> bv = b.defined() ? b.to_vector<double>() : std::vector<double>();
    std::vector<double> y(static_cast<size_t>(p.n * p.oh * p.ow * p.o));
    const int64_t cg = p.c_per_group(), og = p.o_per_group();
    for (int64_t n = 0; n < p.n; ++n)
        for (int64_t oy = 0; oy < p.oh; ++oy)
            for (int64_t ox = 0; ox < p.ow; ++ox)
                for (int64_t o = 0; o < p.o; ++o) {
                    double s = bv.empty() ? 0.0 : bv[o];
                    const int64_t g = o / og;
                    for (int64_t ky = 0; ky < p.kh; ++ky)
                        for (int64_t kx = 0; kx < p.kw; ++kx)
                            for (int64_t ci = 0; ci < cg; ++ci) {
                                const int64_t iy = oy * a.stride_h - a.pad_h + ky * a.dilation_h;
                                const int64_t ix = ox * a.stride_w - a.pad_w + kx * a.dilation_w;
                                if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) continue;
                                s += xv[((n * p.h + iy) * p.w + ix) * p.c + g * cg + ci] *
                                     wv[((o * p.kh + ky) * p.kw + kx) * cg + ci];
                            }
                    y[((n * p.oh + oy) * p.ow + ox) * p.o + o] = s;
                }
    return Tensor::from_vector(y, {p.n, p.oh, p.ow, p.o});
}

TEST(Conv2d, PointwiseEqualsMatmul) {
    Tensor x = random_tensor({2, 3, 4, 5}, 1), w = random_tensor({6, 1, 1, 5}, 2);
    // y[n, h, w, o] = sum_c x[n, h, w, c] * w[o, c]
    Tensor want = sum(x.unsqueeze(3) * w.reshape({1, 1, 1, 6, 5}), {4});
    EXPECT_TRUE(all_close(conv2d(x, w, Tensor(), Conv2dArgs{}), want, 1e-5, 1e-6));
}

TEST(Conv2d, HandComputed3x3) {
    // x = 1..16 on a 4x4 single-channel image, w = all ones except a centre 2: with padding 1
    // the top-left output is 1+2+5+6 + centre (1) = 15 and the centre outputs sum a full 3x3.
    std::vector<float> xv(16), wv(9, 1.0f);
    for (int i = 0; i < 16; ++i)
        xv[i] = static_cast<float>(i + 1);
    wv[4] = 2.0f;
    Tensor x = Tensor::from_vector(xv, {1, 4, 4, 1}), w = Tensor::from_vector(wv, {1, 3, 3, 1});
    Tensor y = conv2d(x, w, Tensor::from_vector<float>({0.5f}, {1}), geom(1, 1));
    EXPECT_EQ(y.shape(), (Shape{1, 4, 4, 1}));
    const std::vector<float> v = y.to_vector<float>();
    EXPECT_FLOAT_EQ(v[0], 1 + 2 + 5 + 6 + 1 + 0.5f);
    EXPECT_FLOAT_EQ(v[5], (1 + 2 + 3 + 5 + 6 + 7 + 9 + 10 + 11) + 6 + 0.5f);  // centre x = 6
    Tensor s = conv2d(x, w, Tensor(), geom(2, 0));  // two taps per axis: [[0,0], ...]
    EXPECT_EQ(s.to_vector<float>(), (std::vector<float>{1 + 2 + 3 + 5 + 6 + 7 + 9 + 10 + 11 + 6}));
}

TEST(Conv2d, MatchesDirectLoops) {
    uint64_t seed = 10;
    for (const Case& c : cases()) {
        for (DType dt : {DType::F32, DType::F64}) {
            Tensor x = random_tensor(c.x, ++seed, -1, 1, dt),
                   w = random_tensor(c.w, ++seed, -1, 1, dt);
            Tensor b = maybe_bias(c, ++seed, dt);
            EXPECT_TRUE(
                all_close(conv2d(x, w, b, c.a), reference_conv(x, w, b, c.a).to(dt), 1e-5, 1e-5))
                << describe(conv2d_problem(c.x, c.w, c.a)) << " " << dtype_name(dt);
        }
    }
}

TEST(Conv2d, GradientsMatchFiniteDifferences) {
    uint64_t seed = 100;
    for (const Case& c : cases()) {
        Tensor x = random_tensor(c.x, ++seed, -1, 1, DType::F64).set_requires_grad(true);
        Tensor w = random_tensor(c.w, ++seed, -1, 1, DType::F64).set_requires_grad(true);
        Tensor b = maybe_bias(c, ++seed, DType::F64);
        std::vector<Tensor> in{x, w};
        if (b.defined()) in.push_back(b.set_requires_grad(true));
        const Conv2dArgs a = c.a;
        EXPECT_TRUE(gradcheck(
            [a](const std::vector<Tensor>& t) {
                return conv2d(t[0], t[1], t.size() > 2 ? t[2] : Tensor(), a);
            },
            in))
            << describe(conv2d_problem(c.x, c.w, c.a));
    }
}

TEST(Conv2d, GradientsAccumulate) {
    Tensor x = random_tensor({1, 4, 4, 2}, 3).set_requires_grad(true);
    Tensor w = random_tensor({3, 3, 3, 2}, 4).set_requires_grad(true);
    sum(conv2d(x, w, Tensor(), geom(1, 1))).backward();
    const Tensor once = w.grad().clone();
    sum(conv2d(x, w, Tensor(), geom(1, 1))).backward();
    EXPECT_TRUE(all_close(w.grad(), once * 2.0, 1e-6, 1e-6));
}

// Batches whose columns span many cache-sized chunks run chunk per thread (conv_cpu.cpp's
// blocked schedule, with per-lane filter-gradient sums); one image at a time runs the split
// schedule. Both must give the same outputs and gradients.
TEST(Conv2d, BlockedScheduleEqualsImageByImage) {
    const int threads = omp_get_max_threads();
    omp_set_num_threads(2);  // the blocked schedule needs at least as many chunks as threads
    const Conv2dArgs a = geom(1, 1);
    Tensor x = random_tensor({24, 16, 16, 8}, 7, -1, 1, DType::F64).set_requires_grad(true);
    Tensor w = random_tensor({5, 3, 3, 8}, 8, -1, 1, DType::F64).set_requires_grad(true);
    Tensor r = random_tensor({24, 16, 16, 5}, 9, -1, 1, DType::F64);
    const Tensor y = conv2d(x, w, Tensor(), a);
    sum(y * r).backward();
    Tensor w_sum = Tensor::zeros(w.shape(), DType::F64);
    for (int64_t i = 0; i < 24; ++i) {
        Tensor xi = x.detach().slice(0, i, i + 1).contiguous().set_requires_grad(true);
        Tensor wi = w.detach().clone().set_requires_grad(true);
        const Tensor yi = conv2d(xi, wi, Tensor(), a);
        sum(yi * r.slice(0, i, i + 1)).backward();
        EXPECT_TRUE(all_close(y.detach().slice(0, i, i + 1), yi.detach(), 1e-12, 1e-12)) << i;
        EXPECT_TRUE(all_close(x.grad().slice(0, i, i + 1), xi.grad(), 1e-12, 1e-12)) << i;
        w_sum = w_sum + wi.grad();
    }
    EXPECT_TRUE(all_close(w.grad(), w_sum, 1e-10, 1e-10));
    omp_set_num_threads(threads);
}

TEST(Conv2d, BadInputNamesTheShapes) {
    Tensor x = Tensor::zeros({2, 5, 5, 3});
    EXPECT_TRUE(throws_with(
        [&] {
            conv2d(x, Tensor::zeros({4, 3, 3, 2}), Tensor(), geom(1, 1));
        },
        {"conv2d", "expects 2 input channels", "[2, 5, 5, 3]"}));
    EXPECT_TRUE(throws_with(
        [&] {
            conv2d(Tensor::zeros({5, 5, 3}), Tensor::zeros({4, 3, 3, 3}), Tensor(), geom(1, 1));
        },
        {"4-D NHWC", "[5, 5, 3]"}));
    EXPECT_TRUE(throws_with(
        [&] {
            conv2d(x, Tensor::zeros({4, 7, 7, 3}), Tensor(), geom(1, 0));
        },
        {"kernel 7x7", "larger than the padded input 5x5"}));
    EXPECT_TRUE(throws_with(
        [&] {
            conv2d(x, Tensor::zeros({4, 3, 3, 1}), Tensor(), geom(1, 1, 1, 2));
        },
        {"groups 2 does not divide the 3 input channels"}));
    EXPECT_TRUE(throws_with(
        [&] {
            conv2d(x, Tensor::zeros({4, 3, 3, 3}), Tensor::zeros({5}), geom(1, 1));
        },
        {"bias must be f32[4]", "f32[5]"}));
    EXPECT_TRUE(throws_with(
        [&] {
            conv2d(x.to(DType::BF16), Tensor::zeros({4, 3, 3, 3}, DType::BF16), Tensor(),
                   geom(1, 1));
        },
        {"CPU convolution supports f32 and f64", "bf16"}));
}

// ---------------------------------------------------------------- GPU

}  // namespace
}  // namespace mdq
