// Pooling and dropout layers: shapes, PyTorch's stride default, train/eval, bad input naming
// the layer.
#include "layers/pooling.h"
#include "layers/dropout.h"
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

TEST(DropoutLayer, TrainMasksEvalPasses) {
    Generator g(3);
    Dropout d(0.5, &g);
    Tensor x = Tensor::ones({1000});
    Tensor y = d(x);
    const double kept = sum(ne(y, Tensor::scalar(0.0)).to(DType::F32)).item<double>();
    EXPECT_GT(kept, 400);
    EXPECT_LT(kept, 600);
    EXPECT_EQ(amax(y).item<float>(), 2.0f);
    d.eval();
    EXPECT_TRUE(d(x).is_same(x));
    EXPECT_TRUE(throws_with([] { Dropout(1.0); }, {"Dropout", "[0, 1)"}));
}

}  // namespace
}  // namespace mdq
