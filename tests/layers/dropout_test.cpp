// Dropout layer: masks in training, the identity in eval.
#include "layers/dropout.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

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
