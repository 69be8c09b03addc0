// Pooling layers: shapes, PyTorch's stride default, bad input naming the layer.
#include "layers/pooling.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

TEST(PoolingLayers, ShapesAndDefaults) {
    Tensor x = testing::random_tensor({2, 8, 6, 3}, 1);
    EXPECT_EQ(MaxPool2d(2)(x).shape(), (Shape{2, 4, 3, 3}));  // stride defaults to the kernel
    EXPECT_EQ(MaxPool2d(3, 2, 1)(x).shape(), (Shape{2, 4, 3, 3}));
    EXPECT_EQ(AvgPool2d(2, 1)(x).shape(), (Shape{2, 7, 5, 3}));
    EXPECT_EQ(AdaptiveAvgPool2d()(x).shape(), (Shape{2, 1, 1, 3}));
    EXPECT_TRUE(
        testing::all_close(AdaptiveAvgPool2d()(x).reshape({2, 3}), mean(x, {1, 2}), 1e-6, 1e-6));
    EXPECT_EQ(MaxPool2d(3, 2, 1).describe(), "MaxPool2d(k=3, s=2, p=1)");
}

TEST(PoolingLayers, BadInputNamesTheLayer) {
    EXPECT_TRUE(throws_with(
        [] {
            MaxPool2d(2)(Tensor::zeros({4, 4, 3}));
        },
        {"MaxPool2d(k=2, s=2, p=0)", "4-D NHWC", "[4, 4, 3]"}));
    EXPECT_TRUE(throws_with(
        [] {
            AvgPool2d(5)(Tensor::zeros({1, 4, 4, 3}));
        },
        {"AvgPool2d(k=5", "larger than the padded input 4x4"}));
}

}  // namespace
}  // namespace mdq
