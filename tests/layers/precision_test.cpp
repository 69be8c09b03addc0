// Mixed precision helpers: the compute copy is read in forward and its gradient reaches the
// f32 parameter; the final cast to f32.
#include "layers/precision.h"
#include "layers/linear.h"
#include "layers/param_arena.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

TEST(Precision, ComputeCopyFeedsForwardAndGradientReachesTheF32Value) {
    Linear l(3, 2, false);
    ParamArena arena(l);
    arena.enable_compute_copy(DType::BF16);
    Parameter& p = l.weight();
    {
        NoGradGuard g;
        p.compute.fill_(0.5);  // differs from the value: forward must read this
    }
    Tensor w = compute_weight(p, DType::BF16);
    EXPECT_EQ(w.dtype(), DType::BF16);
    EXPECT_EQ(w.to_vector<float>(), std::vector<float>(6, 0.5f));
    sum(w * Tensor::full({2, 3}, 3.0, DType::BF16)).backward();
    EXPECT_EQ(p.value.grad().dtype(), DType::F32);
    EXPECT_EQ(p.value.grad().to_vector<float>(), std::vector<float>(6, 3.0f));
    EXPECT_TRUE(compute_weight(p, DType::F32).is_same(p.value));
}

TEST(Precision, CastWithoutComputeCopyAndToF32) {
    Linear l(3, 2);
    Tensor w = compute_weight(l.weight(), DType::BF16);
    EXPECT_EQ(w.dtype(), DType::BF16);
    sum(w).backward();
    EXPECT_EQ(l.weight().value.grad().to_vector<float>(), std::vector<float>(6, 1.0f));
    EXPECT_EQ(layer_compute_dtype(l, Tensor::zeros({1}, DType::F64)), DType::F64);
    ToF32 cast;
    EXPECT_EQ(cast(Tensor::zeros({2}, DType::BF16)).dtype(), DType::F32);
}

}  // namespace
}  // namespace mdq
