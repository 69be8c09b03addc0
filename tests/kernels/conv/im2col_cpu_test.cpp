// The CPU im2col/col2im (whole-run copies) against the tap-by-tap definition of conv_math.h
// (for_each_input_tap / for_each_output_tap) on awkward geometries: strides, padding, dilation,
// groups, C = 1, 3 and 17, odd sizes, kernels larger than the input, chunks not starting at 0.
#include <cstring>
#include <vector>

#include "kernels/conv/conv.h"
#include "kernels/conv/im2col_cpu.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

struct Geometry {
    Shape x, w;  // NHWC, OHWI
    int64_t stride_h, stride_w, pad_h, pad_w, dilation, groups;
};

std::vector<Geometry> geometries() {
    return {
        {{2, 7, 5, 1}, {4, 5, 5, 1}, 1, 1, 2, 2, 1, 1},    // LeNet's first layer, small
        {{3, 9, 11, 3}, {2, 3, 3, 3}, 1, 1, 1, 1, 1, 1},   // C = 3, 3x3 pad 1
        {{2, 8, 7, 17}, {5, 3, 3, 17}, 2, 2, 1, 1, 1, 1},  // C = 17, stride 2
        {{1, 6, 9, 3}, {3, 2, 4, 3}, 3, 2, 1, 2, 1, 1},    // asymmetric everything
        {{2, 9, 8, 6}, {6, 3, 3, 2}, 1, 1, 2, 2, 2, 3},    // dilation 2, 3 groups
        {{1, 3, 2, 4}, {2, 5, 5, 4}, 1, 1, 2, 2, 1, 1},    // kernel larger than the input
        {{3, 5, 5, 17}, {4, 1, 1, 17}, 2, 2, 0, 0, 1, 1},  // strided 1x1
        {{2, 10, 6, 1}, {3, 5, 3, 1}, 1, 2, 0, 1, 1, 1},   // unpadded rows, padded columns
    };
}

ConvProblem problem(const Geometry& g) {
    Conv2dArgs a;
    a.stride_h = g.stride_h;
    a.stride_w = g.stride_w;
    a.pad_h = g.pad_h;
    a.pad_w = g.pad_w;
    a.dilation_h = a.dilation_w = g.dilation;
    a.groups = g.groups;
    return conv2d_problem(g.x, g.w, a);
}

// The definition: rows of images [i0, i1), group g, tap by tap.
std::vector<double> reference_im2col(const ConvProblem& p, const std::vector<double>& x, int64_t i0,
                                     int64_t i1, int64_t g) {
    const int64_t taps = p.taps(), cg = p.c_per_group();
    std::vector<double> col(static_cast<size_t>((i1 - i0) * p.oh * p.ow * taps), 0.0);
    for (int64_t img = i0; img < i1; ++img)
        for (int64_t oy = 0; oy < p.oh; ++oy)
            for (int64_t ox = 0; ox < p.ow; ++ox) {
                const int64_t r = ((img - i0) * p.oh + oy) * p.ow + ox;
                math::for_each_input_tap(p, oy, ox, [&](int64_t iy, int64_t ix, int64_t tap) {
                    for (int64_t ci = 0; ci < cg; ++ci)
                        col[r * taps + tap * cg + ci] =
                            x[((img * p.h + iy) * p.w + ix) * p.c + g * cg + ci];
                });
            }
    return col;
}

// The transpose, gathered per input pixel; channels outside group g keep their value in dx.
void reference_col2im(const ConvProblem& p, const std::vector<double>& col, int64_t i0, int64_t i1,
                      int64_t g, std::vector<double>& dx) {
    const int64_t taps = p.taps(), cg = p.c_per_group();
    for (int64_t img = i0; img < i1; ++img)
        for (int64_t iy = 0; iy < p.h; ++iy)
            for (int64_t ix = 0; ix < p.w; ++ix)
                for (int64_t ci = 0; ci < cg; ++ci) {
                    double s = 0;
                    math::for_each_output_tap(p, iy, ix, [&](int64_t oy, int64_t ox, int64_t tap) {
                        s += col[(((img - i0) * p.oh + oy) * p.ow + ox) * taps + tap * cg + ci];
                    });
                    dx[((img * p.h + iy) * p.w + ix) * p.c + g * cg + ci] = s;
                }
}

TEST(Im2colCpu, MatchesTheTapByTapDefinition) {
    uint64_t seed = 700;
    for (const Geometry& geo : geometries()) {
        const ConvProblem p = problem(geo);
        const std::vector<double> x =
            testing::random_tensor(geo.x, ++seed, -1, 1, DType::F64).to_vector<double>();
        const std::vector<float> xf(x.begin(), x.end());
        for (int64_t g = 0; g < p.args.groups; ++g)
            for (auto [i0, i1] : {std::pair<int64_t, int64_t>{0, p.n}, {p.n - 1, p.n}}) {
                const std::vector<double> want = reference_im2col(p, x, i0, i1, g);
                std::vector<double> col(want.size(), -7.0);
                std::vector<float> colf(want.size(), -7.0f);
                cpu::im2col(p, x.data(), i0, i1, g, col.data());
                cpu::im2col(p, xf.data(), i0, i1, g, colf.data());
                EXPECT_EQ(col, want) << describe(p) << " group " << g << " images " << i0;
                EXPECT_EQ(colf, std::vector<float>(want.begin(), want.end())) << describe(p);
            }
    }
}

TEST(Im2colCpu, Col2imIsTheTranspose) {
    uint64_t seed = 800;
    for (const Geometry& geo : geometries()) {
        const ConvProblem p = problem(geo);
        const int64_t rows = p.n * p.oh * p.ow;
        for (int64_t g = 0; g < p.args.groups; ++g)
            for (auto [i0, i1] : {std::pair<int64_t, int64_t>{0, p.n}, {p.n - 1, p.n}}) {
                const std::vector<double> col =
                    testing::random_tensor({(i1 - i0) * rows / p.n, p.taps()}, ++seed, -1, 1,
                                           DType::F64)
                        .to_vector<double>();
                const std::vector<float> colf(col.begin(), col.end());
                std::vector<double> want(static_cast<size_t>(p.n * p.h * p.w * p.c), -7.0);
                std::vector<double> dx = want;
                std::vector<float> dxf(want.size(), -7.0f);
                reference_col2im(p, col, i0, i1, g, want);
                cpu::col2im(p, col.data(), i0, i1, g, dx.data());
                cpu::col2im(p, colf.data(), i0, i1, g, dxf.data());
                for (size_t i = 0; i < want.size(); ++i) {
                    ASSERT_NEAR(dx[i], want[i], 1e-12) << describe(p) << " element " << i;
                    ASSERT_NEAR(dxf[i], want[i], 1e-5) << describe(p) << " element " << i;
                }
            }
    }
}

TEST(Im2colCpu, TapRangeMatchesTheBoundsTest) {
    for (int64_t in : {1, 2, 5, 9})
        for (int64_t k : {1, 2, 3, 5})
            for (int64_t s : {1, 2, 3})
                for (int64_t pad : {0, 1, 2})
                    for (int64_t d : {1, 2, 3})
                        for (int64_t o = 0; o < 6; ++o) {
                            int64_t k0, k1;
                            math::conv_tap_range(o, k, s, pad, d, in, k0, k1);
                            for (int64_t t = 0; t < k; ++t) {
                                const int64_t i = math::conv_in_coord(o, t, s, pad, d);
                                EXPECT_EQ(t >= k0 && t < k1, i >= 0 && i < in)
                                    << "o " << o << " k " << k << " s " << s << " pad " << pad
                                    << " d " << d << " in " << in << " tap " << t;
                            }
                        }
}

}  // namespace
}  // namespace mdq
