// Shapes: element counts, contiguous strides (zero-size dims), printing, dim normalisation and
// NumPy broadcasting, with errors that name the op and the shapes.
#include "core/shape.h"

#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

TEST(Shape, NumelStridesAndNames) {
    EXPECT_EQ(numel({}), 1);
    EXPECT_EQ(numel({2, 3, 4}), 24);
    EXPECT_EQ(numel({2, 0, 4}), 0);
    EXPECT_EQ(contiguous_strides({2, 3, 4}), (Shape{12, 4, 1}));
    EXPECT_EQ(contiguous_strides({}), Shape{});
    // A zero-size dim keeps the strides of the others as if it were 1.
    EXPECT_EQ(contiguous_strides({2, 0, 4}), (Shape{4, 4, 1}));
    EXPECT_EQ(shape_str({2, 3}), "[2, 3]");
    EXPECT_EQ(shape_str({}), "[]");
}

TEST(Shape, NormalizeDim) {
    EXPECT_EQ(normalize_dim(-1, 3, "op"), 2);
    EXPECT_EQ(normalize_dim(-3, 3, "op"), 0);
    EXPECT_EQ(normalize_dim(2, 3, "op"), 2);
    // A scalar accepts 0 and -1, as in PyTorch.
    EXPECT_EQ(normalize_dim(0, 0, "op"), 0);
    EXPECT_EQ(normalize_dim(-1, 0, "op"), 0);
    EXPECT_TRUE(throws_with([] { normalize_dim(3, 3, "softmax"); },
                            {"softmax", "dim 3 out of range", "3 dims", "-3..2"}));
    EXPECT_TRUE(throws_with([] { normalize_dim(-4, 3, "sum"); }, {"sum", "dim -4"}));
}

TEST(Shape, BroadcastShapesAndStrides) {
    EXPECT_EQ(broadcast_shapes({4, 1}, {1, 3}, "op"), (Shape{4, 3}));
    EXPECT_EQ(broadcast_shapes({2, 1, 3}, {5, 1}, "op"), (Shape{2, 5, 3}));
    EXPECT_EQ(broadcast_shapes({}, {2, 2}, "op"), (Shape{2, 2}));
    EXPECT_EQ(broadcast_shapes({0, 1}, {1, 3}, "op"), (Shape{0, 3}));
    EXPECT_TRUE(throws_with(
        [] {
            broadcast_shapes({2, 3}, {4, 3}, "add");
        },
        {"add", "[2, 3] and [4, 3] do not broadcast", "dim 0: 2 vs 4"}));
    // Broadcast dims read stride 0; leading new dims too.
    EXPECT_EQ(broadcast_strides({3, 1}, {1, 1}, {2, 3, 4}), (Shape{0, 1, 0}));
    EXPECT_EQ(broadcast_strides({1, 4}, {4, 1}, {3, 4}), (Shape{0, 1}));
    EXPECT_TRUE(
        throws_with([] { broadcast_strides({3}, {1}, {4}); }, {"cannot broadcast [3] to [4]"}));
    EXPECT_TRUE(throws_with([] { broadcast_strides({2, 3}, {3, 1}, {3}); }, {"cannot broadcast"}));
}

}  // namespace
}  // namespace mdq
