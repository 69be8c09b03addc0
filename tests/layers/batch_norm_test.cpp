// BatchNorm1d/2d layers: parameters and buffers (affine or not), train/eval behaviour, bad
// input naming the layer.
#include "kernels/norm/batch_norm.h"
#include "layers/batch_norm.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::random_tensor;
using testing::throws_with;

BatchNormOptions non_affine(int64_t c) {
    BatchNormOptions o(c);
    o.affine = false;
    return o;
}

TEST(BatchNormLayer, ParametersAndBuffers) {
    BatchNorm2d affine{BatchNormOptions(8)};
    EXPECT_EQ(affine.num_parameters(), 16);
    EXPECT_EQ(affine.named_parameters()[0].second->role, ParamRole::NormScale);
    EXPECT_EQ(affine.named_parameters()[1].second->role, ParamRole::NormShift);
    BatchNorm2d plain(non_affine(8));
    EXPECT_EQ(plain.num_parameters(), 0);
    ASSERT_EQ(plain.named_buffers().size(), 2u);
    EXPECT_EQ(plain.named_buffers()[0].first, "running_mean");
    EXPECT_EQ(plain.named_buffers()[1].first, "running_var");
    EXPECT_EQ(plain.describe(), "BatchNorm2d(8, affine=false)");
}

TEST(BatchNormLayer, TrainUpdatesAndEvalUsesRunningStatistics) {
    BatchNorm1d bn(non_affine(3));
    Tensor x = random_tensor({6, 3}, 1, -2, 4);
    Tensor y = bn(x);
    EXPECT_TRUE(all_close(mean(y, {0}), Tensor::zeros({3}), 0, 1e-5));
    Tensor rm = *bn.named_buffers()[0].second, rv = *bn.named_buffers()[1].second;
    EXPECT_TRUE(all_close(rm, mean(x, {0}) * 0.1, 1e-5, 1e-6));
    bn.eval();
    const Tensor rm0 = rm.clone();
    Tensor z = bn(x);
    EXPECT_TRUE(all_close(z, (x - rm) / sqrt(rv + 1e-5), 1e-5, 1e-5));
    EXPECT_TRUE(testing::all_equal(rm, rm0));
}

TEST(BatchNormLayer, BadInputNamesTheLayer) {
    BatchNorm2d bn{BatchNormOptions(8)};
    EXPECT_TRUE(throws_with(
        [&] {
            bn(Tensor::zeros({2, 4, 4, 6}));
        },
        {"BatchNorm2d(8)", "[N, H, W, 8]", "[2, 4, 4, 6]"}));
    BatchNorm1d bn1(non_affine(8));
    EXPECT_TRUE(throws_with(
        [&] {
            bn1(Tensor::zeros({2, 1, 1, 8}));
        },
        {"BatchNorm1d(8, affine=false)", "[N, 8]", "[2, 1, 1, 8]"}));
    EXPECT_TRUE(throws_with(
        [&] {
            bn1(Tensor::zeros({1, 8}));
        },
        {"more than one value per channel"}));
}

}  // namespace
}  // namespace mdq
