// Configuration keys resolved into what they configure: the per-method default of
// bn_reestimate (docs/QUANTIZATION.md 10).
#include "optim/train/train_setup.h"
#include "optim/train/train_config.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

int64_t batches(const std::vector<std::string>& sets) {
    Config c = make_train_config();
    for (const std::string& kv : sets)
        c.set(kv);
    return bn_reestimate_batches(c);
}

TEST(TrainSetup, BnReestimateDefaultsPerMethod) {
    // md-softmax re-estimates batch norm with the hard weights by default; the others do not.
    EXPECT_EQ(batches({"method=md-softmax"}), kBnReestimateBatches);
    EXPECT_EQ(kBnReestimateBatches, 100);
    for (const char* m : {"md-tanh-s", "md-softmax-s", "md-tanh", "bc", "proxquant", "float"})
        EXPECT_EQ(batches({std::string("method=") + m}), 0) << m;
    // An explicit count wins, 0 included.
    EXPECT_EQ(batches({"method=md-softmax", "bn_reestimate=0"}), 0);
    EXPECT_EQ(batches({"method=bc", "bn_reestimate=20"}), 20);
    EXPECT_TRUE(
        testing::throws_with([] { batches({"bn_reestimate=-2"}); }, {"bn_reestimate", "-2"}));
}

}  // namespace
}  // namespace mdq
