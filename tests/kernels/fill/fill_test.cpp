// Fills and random tensors: uniform is reproducible per seed and in range, normal has the
// right moments, arange's values; the generate bodies are index-pure under a real launch shape
// (docs/DESIGN.md decision 2), and every kind launched as on the GPU gives the CPU result.
#include <cmath>

#include "kernels/fill/fill.h"
#include "kernels/fill/fill_impl.h"
#include "kernels/fill/fill_math.h"
#include "tests/testing/grid_emulation.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::emulate_grid;

TEST(Random, UniformIsReproducibleAndInRange) {
    Generator g1(123), g2(123), g3(124);
    Tensor a = uniform({1000}, -2.0, 3.0, DType::F32, Device::cpu(), &g1);
    Tensor b = uniform({1000}, -2.0, 3.0, DType::F32, Device::cpu(), &g2);
    Tensor c = uniform({1000}, -2.0, 3.0, DType::F32, Device::cpu(), &g3);
    EXPECT_TRUE(testing::all_equal(a, b));
    EXPECT_FALSE(testing::all_equal(a, c));
    EXPECT_EQ(g1.offset(), 250u);  // 4 values per Philox block
    const std::vector<float> v = a.to_vector<float>();
    double m = 0;
    for (float x : v) {
        EXPECT_GE(x, -2.0f);
        EXPECT_LT(x, 3.0f);
        m += x;
    }
    EXPECT_NEAR(m / v.size(), 0.5, 0.15);
    // The next draw continues the stream instead of repeating it.
    EXPECT_FALSE(testing::all_equal(uniform({1000}, -2.0, 3.0, DType::F32, Device::cpu(), &g1), a));
}

TEST(Random, NormalMoments) {
    Generator g(7);
    const std::vector<double> v =
        normal({20000}, 1.0, 2.0, DType::F64, Device::cpu(), &g).to_vector<double>();
    double m = 0, s = 0;
    for (double x : v)
        m += x;
    m /= v.size();
    for (double x : v)
        s += (x - m) * (x - m);
    s = std::sqrt(s / v.size());
    EXPECT_NEAR(m, 1.0, 0.05);
    EXPECT_NEAR(s, 2.0, 0.05);
}

TEST(Random, ArangeValues) {
    EXPECT_EQ(arange(5).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3, 4}));
    EXPECT_EQ(arange(1.0, 2.0, 0.25, DType::F32).to_vector<float>(),
              (std::vector<float>{1.0f, 1.25f, 1.5f, 1.75f}));
    EXPECT_EQ(arange(3.0, 0.0, -1.0, DType::I32).to_vector<int32_t>(),
              (std::vector<int32_t>{3, 2, 1}));
    EXPECT_EQ(arange(0).numel(), 0);
    EXPECT_TRUE(testing::throws_with([] { arange(0.0, 1.0, 0.0); }, {"arange", "bad step"}));
}

TEST(GridEmulation, GenerateBodiesAreIndexPure) {
    Tensor out = Tensor::full({5, 77}, NAN).slice(1, 0, 77, 2);
    Generate<float, math::UniformGen> e{};
    e.gen = math::UniformGen{9, 0, 0, 0.0f, 1.0f};
    e.out = out.data<float>();
    e.n = out.numel();
    e.contiguous = false;
    e.calc = make_offset_calc<1>(out.shape(), {out.strides()});
    emulate_grid(e, 3, 32);
    Generator g(9, 0);
    EXPECT_TRUE(testing::all_equal(out, uniform(out.shape(), 0, 1, DType::F32, Device::cpu(), &g)));
}

TEST(GridEmulation, GenerateLaunchesMatchCpu) {
    // Contiguous and strided destinations, f32, f64, i32 (the kinds that make sense for it).
    const GenSpec specs[] = {{GenKind::Constant, 2.5, 0, 0, 0, 0},
                             {GenKind::Arange, -3.0, 0.5, 0, 0, 0},
                             {GenKind::Uniform, -1.0, 2.0, 7, 1, 3},
                             {GenKind::Normal, 0.5, 2.0, 8, 0, 5}};
    for (const Shape& shape : {Shape{1}, Shape{33}, Shape{7, 151}}) {
        for (DType dt : {DType::F32, DType::F64, DType::I32}) {
            for (const GenSpec& spec : specs) {
                if (dt == DType::I32 && spec.kind != GenKind::Constant) continue;
                for (bool strided : {false, true}) {
                    testing::expect_grid_shapes_match_cpu(
                        [&](auto runner) {
                            Shape wide = shape;
                            wide.back() *= 2;
                            // Every other element of a wider buffer: the OffsetCalc path.
                            Tensor full = Tensor::full(strided ? wide : shape,
                                                       dt == DType::I32 ? -9.0 : NAN, dt);
                            const int64_t last = static_cast<int64_t>(shape.size()) - 1;
                            const Tensor dst = strided ? full.slice(last, 0, wide.back(), 2) : full;
                            launch_generate<decltype(runner)>(dst, spec);
                            return std::vector<Tensor>{full};
                        },
                        shape_str(shape) + " " + dtype_name(dt) + ", kind " +
                            std::to_string(static_cast<int>(spec.kind)) +
                            (strided ? ", strided" : ""));
                }
            }
        }
    }
}

}  // namespace
}  // namespace mdq
