// CPU-vs-CUDA parity of affine fake quantization and of the observers built on it: the GPU's
// values, squared errors, threshold indicators and percentile ranges (exact counts) equal the
// CPU's. Skipped without a GPU.
#include "kernels/quant/fake_quant.h"
#include "kernels/quant/observer.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

TEST(FakeQuantCuda, KernelsMatchCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device gpu = Device::cuda();
    for (DType dt : {DType::F32, DType::F64})
        for (int64_t axis : {int64_t{-1}, int64_t{1}})
            for (bool symmetric : {true, false}) {
                const Tensor x = testing::random_tensor({5, 7, 33}, 3, -2, 3, dt);
                const Range r = minmax_range(x, axis);
                const AffineQuant q = affine_quant_from_range(r.lo, r.hi, 4, symmetric, axis);
                AffineQuant qg = q;
                qg.scale = q.scale.to(gpu);
                qg.zero_point = q.zero_point.to(gpu);
                const Tensor xg = x.to(gpu);
                EXPECT_TRUE(testing::all_equal(fake_quant(xg, qg), fake_quant(x, q)));
                EXPECT_TRUE(testing::all_equal(fake_quant_squared_error(xg, qg),
                                               fake_quant_squared_error(x, q)));
                EXPECT_TRUE(
                    testing::all_equal(exceeds(xg, qg.scale, axis), exceeds(x, q.scale, axis)));
            }
}

TEST(FakeQuantCuda, ObserversMatchCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    const Tensor x = testing::random_tensor({16, 3, 40}, 9, -1, 1);
    const Tensor xg = x.to(Device::cuda());
    for (int64_t axis : {int64_t{-1}, int64_t{1}}) {
        const Range pc = percentile_range(x, axis, 99.0), pg = percentile_range(xg, axis, 99.0);
        EXPECT_TRUE(testing::all_equal(pg.lo.to(Device::cpu()), pc.lo));
        EXPECT_TRUE(testing::all_equal(pg.hi.to(Device::cpu()), pc.hi));
    }
}

}  // namespace
}  // namespace mdq
