// The learning-rate scaling rules for data parallelism.
#include "optim/train/lr_scaling.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

TEST(LrScaling, Rules) {
    EXPECT_EQ(scale_learning_rate(0.1, "none", 8), 0.1);
    EXPECT_EQ(scale_learning_rate(0.1, "linear", 8), 0.8);
    EXPECT_EQ(scale_learning_rate(0.1, "linear", 1), 0.1);
    EXPECT_TRUE(throws_with([] { scale_learning_rate(0.1, "sqrt", 4); },
                            {"lr_scaling", "'sqrt'", "none or linear"}));
    EXPECT_TRUE(throws_with([] { scale_learning_rate(0.1, "linear", 0); }, {"world size"}));
}

}  // namespace
}  // namespace mdq
