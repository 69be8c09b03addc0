// Pooling: closed forms, a direct-loop reference (PyTorch's window and divisor rules), f64
// gradient checks, the CUDA launch shape emulated on the CPU, bad input, the CPU fast paths. On a
// GPU: pool_cuda_test.cpp.
#include <cmath>
#include <cstring>

#include "kernels/pool/pool.h"
#include "tests/kernels/pool/pool_test.h"
#include "tests/testing/grid_emulation.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using namespace pool_test;
using testing::all_close;
using testing::gradcheck;
using testing::random_tensor;
using testing::throws_with;

// PyTorch's definition, one output element at a time, in f64.
Tensor reference_pool(const Tensor& x, const PoolGeometry& g) {
    const std::vector<double> xv = x.to_vector<double>();
    std::vector<double> y;
    const bool adaptive = g.kind == PoolKind::AdaptiveAvg;
    auto window = [&](int64_t o, int64_t in, int64_t out, int64_t k, int64_t s, int64_t p,
                      int64_t& a, int64_t& b, int64_t& span) {
        if (adaptive) {
            a = static_cast<int64_t>(std::floor(double(o) * in / out));
            b = static_cast<int64_t>(std::ceil(double(o + 1) * in / out));
            span = b - a;
            return;
        }
        a = o * s - p;
        b = std::min(a + k, in + p);
        span = b - a;
        a = std::max<int64_t>(a, 0);
        b = std::min(b, in);
    };
    for (int64_t n = 0; n < g.n; ++n)
        for (int64_t oy = 0; oy < g.oh; ++oy)
            for (int64_t ox = 0; ox < g.ow; ++ox)
                for (int64_t c = 0; c < g.c; ++c) {
                    int64_t y0, y1, sy, x0, x1, sx;
                    window(oy, g.h, g.oh, g.kh, g.sh, g.ph, y0, y1, sy);
                    window(ox, g.w, g.ow, g.kw, g.sw, g.pw, x0, x1, sx);
                    double acc = g.kind == PoolKind::Max ? -INFINITY : 0.0;
                    for (int64_t iy = y0; iy < y1; ++iy)
                        for (int64_t ix = x0; ix < x1; ++ix) {
                            const double v = xv[((n * g.h + iy) * g.w + ix) * g.c + c];
                            acc = g.kind == PoolKind::Max ? std::max(acc, v) : acc + v;
                        }
                    if (g.kind != PoolKind::Max)
                        acc /= (g.kind == PoolKind::Avg && g.count_include_pad)
                                   ? double(sy * sx)
                                   : double((y1 - y0) * (x1 - x0));
                    y.push_back(acc);
                }
    return Tensor::from_vector(y, {g.n, g.oh, g.ow, g.c});
}

TEST(Pool2d, ClosedForms) {
    std::vector<float> v(16);
    for (int i = 0; i < 16; ++i)
        v[i] =
            static_cast<float>((i * 7) % 16);  // rows 0 7 14 5 | 12 3 10 1 | 8 15 6 13 | 4 11 2 9
    Tensor x = Tensor::from_vector(v, {1, 4, 4, 1});
    EXPECT_EQ(max_pool2d(x, pool_args(2, 2, 0)).to_vector<float>(),
              (std::vector<float>{12, 14, 15, 13}));
    EXPECT_EQ(avg_pool2d(x, pool_args(2, 2, 0)).to_vector<float>(),
              (std::vector<float>{(0 + 7 + 12 + 3) / 4.f, (14 + 5 + 10 + 1) / 4.f,
                                  (8 + 15 + 4 + 11) / 4.f, (6 + 13 + 2 + 9) / 4.f}));
    Tensor g = adaptive_avg_pool2d(x, 1, 1);
    EXPECT_EQ(g.shape(), (Shape{1, 1, 1, 1}));
    EXPECT_FLOAT_EQ(g.item<float>(), 7.5f);
}

TEST(Pool2d, MatchesDirectLoops) {
    uint64_t seed = 1;
    for (const Case& c : cases()) {
        for (DType dt : {DType::F32, DType::F64}) {
            Tensor x = random_tensor(c.x, ++seed, -2, 2, dt);
            EXPECT_TRUE(all_close(c.f(x), reference_pool(x, c.geometry(c.x)).to(dt), 1e-6, 1e-6))
                << c.name;
        }
    }
}

TEST(Pool2d, GradientsMatchFiniteDifferences) {
    uint64_t seed = 50;
    for (const Case& c : cases()) {
        Tensor x = random_tensor(c.x, ++seed, -2, 2, DType::F64).set_requires_grad(true);
        EXPECT_TRUE(gradcheck([&](const std::vector<Tensor>& t) { return c.f(t[0]); }, {x}))
            << c.name;
    }
}

TEST(Pool2d, Bf16KeepsItsDtype) {
    Tensor x = random_tensor({2, 6, 6, 3}, 3).to(DType::BF16);
    Tensor y = max_pool2d(x, pool_args(2, 2, 0));
    EXPECT_EQ(y.dtype(), DType::BF16);
    EXPECT_TRUE(all_close(y, max_pool2d(x.to(DType::F32), pool_args(2, 2, 0)), 0, 0));
    EXPECT_EQ(adaptive_avg_pool2d(x, 1, 1).dtype(), DType::BF16);
}

TEST(Pool2d, BadInputNamesTheShapes) {
    Tensor x = Tensor::zeros({2, 3, 3, 4});
    EXPECT_TRUE(throws_with([&] { max_pool2d(x, pool_args(5, 1, 0)); },
                            {"max_pool2d", "kernel 5x5 is larger than the padded input 3x3"}));
    EXPECT_TRUE(throws_with([&] { avg_pool2d(x, pool_args(2, 2, 2)); },
                            {"avg_pool2d", "at most half the kernel"}));
    EXPECT_TRUE(throws_with(
        [&] {
            adaptive_avg_pool2d(Tensor::zeros({3, 3, 4}), 1, 1);
        },
        {"adaptive_avg_pool2d", "4-D NHWC", "[3, 3, 4]"}));
}

TEST(GridEmulation, PoolBodiesCoverEveryElement) {
    for (const Case& c : cases()) {
        const PoolGeometry g = c.geometry(c.x);
        Tensor x = random_tensor(c.x, 9);
        Tensor y = Tensor::full({g.n, g.oh, g.ow, g.c}, NAN);
        Tensor idx = Tensor::zeros(y.shape(), DType::I32);
        testing::emulate_grid(
            PoolForward<float>{g, x.data<float>(), y.data<float>(), idx.data<int32_t>(), y.numel()},
            3, 32);
        EXPECT_TRUE(all_close(y, c.f(x), 0, 0)) << c.name;
        Tensor dy = random_tensor(y.shape(), 10), dx = Tensor::full(c.x, NAN);
        testing::emulate_grid(PoolBackward<float>{g, dy.data<float>(), idx.data<int32_t>(),
                                                  dx.data<float>(), dx.numel()},
                              2, 64);
        Tensor want = Tensor::empty(c.x);
        pool2d_backward_into(g, dy, g.kind == PoolKind::Max ? idx : Tensor(), want);
        EXPECT_TRUE(all_close(dx, want, 0, 0)) << c.name;
    }
}

// Same bytes (NaN equals NaN, -0 differs from 0).
template <class T>
bool same_bits(const Tensor& a, const Tensor& b) {
    return a.shape() == b.shape() &&
           std::memcmp(a.data<T>(), b.data<T>(), static_cast<size_t>(a.numel()) * sizeof(T)) == 0;
}

// Inputs with ties (values on a coarse grid) and a few NaNs, so the argmax rule is exercised.
Tensor awkward_input(const Shape& shape, uint64_t seed, DType dt) {
    std::vector<double> v = random_tensor(shape, seed, -2, 2, DType::F64).to_vector<double>();
    for (size_t i = 0; i < v.size(); ++i) {
        v[i] = std::round(v[i] * 2) / 2;
        if (i % 37 == 5) v[i] = NAN;
    }
    return Tensor::from_vector(v, shape).to(dt);
}

// The CPU fast paths (row-wise forward, scatter backward) against the shared grid bodies run on
// the CPU: bit-identical outputs, indices and gradients on awkward shapes (C = 1, 3, 17 and 70,
// more than one channel block; odd sizes, padding, overlapping and asymmetric windows).
template <class T>
void check_fast_paths_match_bodies(DType dt) {
    std::vector<std::pair<const char*, std::function<PoolGeometry(const Shape&)>>> geometries;
    auto fixed = [&](const char* name, PoolKind k, Pool2dArgs a) {
        geometries.push_back(
            {name, [k, a](const Shape& s) { return pool2d_geometry(k, s, a, "test"); }});
    };
    Pool2dArgs asym = pool_args(3, 2, 1);
    asym.kernel_w = 2;
    asym.stride_w = 1;
    asym.pad_w = 0;
    fixed("max 2x2/2", PoolKind::Max, pool_args(2, 2, 0));
    fixed("max 3x3/2 pad 1", PoolKind::Max, pool_args(3, 2, 1));
    fixed("max 3x3/1 pad 1", PoolKind::Max, pool_args(3, 1, 1));
    fixed("max 3x2/(2,1) pad (1,0)", PoolKind::Max, asym);
    fixed("avg 2x2/2", PoolKind::Avg, pool_args(2, 2, 0));
    fixed("avg 3x3/1 pad 1", PoolKind::Avg, pool_args(3, 1, 1));
    fixed("avg 3x3/2 pad 1 no pad count", PoolKind::Avg, pool_args(3, 2, 1, false));
    fixed("avg 3x2/(2,1) pad (1,0)", PoolKind::Avg, asym);
    for (auto [oh, ow] : {std::pair<int64_t, int64_t>{3, 2}, {1, 1}, {8, 6}})
        geometries.push_back({"adaptive", [oh = oh, ow = ow](const Shape& s) {
                                  return adaptive_pool2d_geometry(s, oh, ow, "test");
                              }});
    uint64_t seed = 300;
    for (const Shape& shape :
         {Shape{3, 7, 5, 1}, Shape{2, 9, 11, 3}, Shape{1, 5, 6, 17}, Shape{2, 4, 7, 70}}) {
        for (const auto& [name, geometry] : geometries) {
            const PoolGeometry g = geometry(shape);
            const std::string what = std::string(name) + " on " + detail::cat(shape);
            Tensor x = awkward_input(shape, ++seed, dt);
            const Shape out{g.n, g.oh, g.ow, g.c};
            const bool max = g.kind == PoolKind::Max;
            Tensor y = Tensor::full(out, NAN, dt), want_y = Tensor::full(out, NAN, dt);
            Tensor idx = max ? Tensor::full(out, -7, DType::I32) : Tensor();
            Tensor want_idx = max ? Tensor::full(out, -7, DType::I32) : Tensor();
            pool2d_forward_into(g, x, y, idx);
            testing::emulate_grid(
                PoolForward<T>{g, x.data<T>(), want_y.data<T>(),
                               max ? want_idx.data<int32_t>() : nullptr, want_y.numel()},
                2, 32);
            EXPECT_TRUE(same_bits<T>(y, want_y)) << what;
            if (max) {
                EXPECT_TRUE(same_bits<int32_t>(idx, want_idx)) << what;
            }
            Tensor dy = random_tensor(out, ++seed, -1, 1, dt);
            Tensor dx = Tensor::full(shape, NAN, dt), want_dx = Tensor::full(shape, NAN, dt);
            pool2d_backward_into(g, dy, idx, dx);
            testing::emulate_grid(
                PoolBackward<T>{g, dy.data<T>(), max ? want_idx.data<int32_t>() : nullptr,
                                want_dx.data<T>(), want_dx.numel()},
                3, 32);
            EXPECT_TRUE(same_bits<T>(dx, want_dx)) << what;
        }
    }
}

TEST(Pool2d, CpuFastPathsMatchGridBodiesF32) {
    check_fast_paths_match_bodies<float>(DType::F32);
}

TEST(Pool2d, CpuFastPathsMatchGridBodiesF64) {
    check_fast_paths_match_bodies<double>(DType::F64);
}

// ---------------------------------------------------------------- GPU

}  // namespace
}  // namespace mdq
