// The CUDA-graph policy of a training step, on the CPU: when a step runs eagerly, is captured
// or replayed, and what stops a replay (a moved address recaptures, a new shape is an error).
#include "optim/train/step_graph_policy.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;
using Action = StepGraphPolicy::Action;

TEST(StepGraphPolicy, EagerStepsThenOneCaptureThenReplays) {
    StepGraphPolicy p(2);
    const Shape x{8, 4, 4, 3}, y{8};
    const std::vector<uintptr_t> print{1, 2, 3};
    EXPECT_EQ(p.next(x, y, print), Action::Eager);
    EXPECT_EQ(p.next(x, y, print), Action::Eager);
    EXPECT_EQ(p.next(x, y, print), Action::Capture);
    EXPECT_EQ(p.next(x, y, print), Action::Capture);  // until a capture succeeds
    p.captured(x, y, print);
    EXPECT_EQ(p.next(x, y, print), Action::Replay);
    EXPECT_EQ(p.next(x, y, print), Action::Replay);
    EXPECT_EQ(p.captures(), 1);
    EXPECT_EQ(p.replays(), 2);
}

TEST(StepGraphPolicy, AMovedAddressRecapturesAndANewShapeIsAnError) {
    StepGraphPolicy p(1);
    const Shape x{8, 4, 4, 3}, y{8};
    EXPECT_EQ(p.next(x, y, {1, 2}), Action::Eager);
    EXPECT_EQ(p.next(x, y, {1, 2}), Action::Capture);
    p.captured(x, y, {1, 2});
    EXPECT_EQ(p.next(x, y, {1, 3}), Action::Capture);
    p.captured(x, y, {1, 3});
    EXPECT_EQ(p.next(x, y, {1, 3}), Action::Replay);
    EXPECT_EQ(p.captures(), 2);
    EXPECT_TRUE(throws_with(
        [&] {
            p.next({5, 4, 4, 3}, {5}, {1, 3});
        },
        {"the batch changed", "[8, 4, 4, 3]", "[5, 4, 4, 3]", "drop_last"}));
    EXPECT_TRUE(throws_with([] { StepGraphPolicy bad(0); }, {"at least one eager step"}));
}

}  // namespace
}  // namespace mdq
