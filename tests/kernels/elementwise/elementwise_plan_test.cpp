// docs/DESIGN.md decision 2: the CUDA kernels run grid_body with their real grid. Here the
// elementwise plans (vectorized, contiguous, strided layouts; bf16 vectors) run on the CPU for
// a real launch shape, thread by thread, so the index arithmetic of the GPU path (grid-stride,
// vector chunks, tails, strided offsets) is tested on every machine.
#include <cmath>

#include "kernels/elementwise/binary_math.h"
#include "kernels/elementwise/elementwise_plan.h"
#include "kernels/elementwise/unary_math.h"
#include "tests/testing/grid_emulation.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::emulate_grid;

TEST(GridEmulation, ElementwiseLayoutsMatchTheCpuPath) {
    for (int64_t n : {1, 3, 31, 257, 1025, 4099}) {
        for (int64_t blocks : {1, 3}) {
            Tensor a = testing::random_tensor({n}, n, -2, 2),
                   b = testing::random_tensor({n}, n + 1, -2, 2);
            Tensor out = Tensor::full({n}, NAN);
            const math::BinaryForwardFn<float> f{BinaryOp::Mul, 1.0f};
            auto e = plan_elementwise<float, float, 2>(f, out, {a, b});
            EXPECT_EQ(e.layout, Layout::Vectorized);
            emulate_grid(e, blocks, 256);
            EXPECT_TRUE(testing::all_equal(out, a * b)) << n;
            // Unaligned start: the Contiguous layout.
            Tensor a1 = a.slice(0, 1, n), b1 = b.slice(0, 1, n),
                   o1 = Tensor::full({n}, NAN).slice(0, 1, n);
            auto e1 = plan_elementwise<float, float, 2>(f, o1, {a1, b1});
            if (n > 1) {
                EXPECT_EQ(e1.layout, Layout::Contiguous);
            }
            emulate_grid(e1, blocks, 256);
            EXPECT_TRUE(testing::all_equal(o1, a1 * b1));
        }
    }
}

TEST(GridEmulation, StridedBroadcastOffsets) {
    Tensor a = testing::random_tensor({7, 1, 33}, 1), b = testing::random_tensor({5, 1}, 2);
    Tensor out = Tensor::full({33, 5, 7}, NAN).permute({2, 1, 0});  // strided output
    const math::BinaryForwardFn<float> f{BinaryOp::Sub, 1.0f};
    auto e = plan_elementwise<float, float, 2>(f, out, {a, b});
    EXPECT_EQ(e.layout, Layout::Strided);
    emulate_grid(e, 2, 64);
    EXPECT_TRUE(testing::all_equal(out, a - b));
}

TEST(GridEmulation, HalfPrecisionVectors) {
    Tensor x = testing::random_tensor({1031}, 5, -3, 3).to(DType::BF16);
    Tensor out = Tensor::full({1031}, NAN, DType::BF16);
    auto e =
        plan_elementwise<bf16, bf16, 1>(math::UnaryForwardFn<float>{UnaryOp::Tanh, 0, 0}, out, {x});
    EXPECT_EQ(e.layout, Layout::Vectorized);
    emulate_grid(e, 2, 32);
    EXPECT_TRUE(testing::all_equal(out, tanh(x)));
}

}  // namespace
}  // namespace mdq
