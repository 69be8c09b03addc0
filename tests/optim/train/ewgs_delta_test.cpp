// The config value ewgs_delta: numbers >= 0, "hessian", and clear errors for the rest.
#include "optim/train/ewgs_delta.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

TEST(EwgsDelta, NumbersAndHessian) {
    EXPECT_EQ(parse_ewgs_delta("0.001").value, 0.001);
    EXPECT_FALSE(parse_ewgs_delta("0.001").from_hessian);
    EXPECT_EQ(parse_ewgs_delta("0").value, 0.0);
    EXPECT_EQ(parse_ewgs_delta("1e-3").value, 1e-3);
    const EwgsDelta h = parse_ewgs_delta("hessian");
    EXPECT_TRUE(h.from_hessian);
    EXPECT_EQ(h.value, 0.0);  // the first epoch is plain STE, as the authors'
}

TEST(EwgsDelta, BadValuesAreClearErrors) {
    for (const char* bad : {"-0.1", "", "abc", "0.1x", "nan", "inf", "Hessian"})
        EXPECT_TRUE(throws_with([&] { parse_ewgs_delta(bad); },
                                {"ewgs_delta must be a number >= 0", "'" + std::string(bad) + "'"}))
            << bad;
}

}  // namespace
}  // namespace mdq
