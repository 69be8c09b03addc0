// Real channel removal (optim/train/thin.h): kept slices in order, and a thinned
// conv -> batch norm -> relu -> conv block gives the masked block's logits up to f32 accumulation
// order.
#include "optim/train/thin.h"

#include "kernels/conv/conv.h"
#include "kernels/elementwise/binary.h"
#include "kernels/elementwise/unary.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

TEST(Thin, KeepsTheMaskedSlicesInOrder) {
    const Tensor t = testing::random_tensor({2, 5, 3}, 7);
    const Tensor k = keep_channels(t, 1, {1, 0, 0, 1, 1});
    EXPECT_EQ(k.shape(), (Shape{2, 3, 3}));
    EXPECT_TRUE(testing::all_equal(k.slice(1, 0, 1), t.slice(1, 0, 1)));
    EXPECT_TRUE(testing::all_equal(k.slice(1, 1, 3), t.slice(1, 3, 5)));
}

// conv(relu(conv(x, w1) * scale + shift), w2): BN in eval form, channels last.
Tensor block(const Tensor& x, const Tensor& w1, const Tensor& scale, const Tensor& shift,
             const Tensor& w2) {
    Conv2dArgs a;
    a.pad_h = a.pad_w = 1;
    const Tensor y = conv2d(x, w1, Tensor(), a);
    return conv2d(relu(add(mul(y, scale), shift)), w2, Tensor(), a);
}

TEST(Thin, ThinnedBlockGivesTheMaskedLogitsExactly) {
    const int64_t c = 6;
    const std::vector<uint8_t> mask{1, 0, 1, 1, 0, 1};
    const Tensor x = testing::random_tensor({2, 5, 5, 3}, 1);
    Tensor w1 = testing::random_tensor({c, 3, 3, 3}, 2), scale = testing::random_tensor({c}, 3),
           shift = testing::random_tensor({c}, 4);
    const Tensor w2 = testing::random_tensor({4, 3, 3, c}, 5);
    // The masked model as pruning leaves it: pruned filters and their BN vectors are zero.
    std::vector<float> m(mask.begin(), mask.end());
    const Tensor mt = Tensor::from_vector(m, {c});
    w1 = mul(w1, mt.view({c, 1, 1, 1}));
    scale = mul(scale, mt);
    shift = mul(shift, mt);
    const Tensor masked = block(x, w1, scale, shift, w2);
    const Tensor thinned = block(x, keep_channels(w1, 0, mask), keep_channels(scale, 0, mask),
                                 keep_channels(shift, 0, mask), keep_channels(w2, 3, mask));
    // Removing the zero channels changes the order the conv's dot products accumulate in (its
    // vector blocking over kh * kw * c), so values agree to f32 rounding of a 54-term sum, not
    // bit for bit: 1e-5 relative is ~100 ulps, far below what a wrong channel would give.
    EXPECT_TRUE(testing::all_close(thinned, masked, 1e-5, 1e-5));
    // A wrong channel map is caught: dropping a live channel instead changes the logits.
    const std::vector<uint8_t> wrong{0, 1, 1, 1, 0, 1};
    EXPECT_FALSE(
        testing::all_close(block(x, keep_channels(w1, 0, wrong), keep_channels(scale, 0, wrong),
                                 keep_channels(shift, 0, wrong), keep_channels(w2, 3, wrong)),
                           masked, 1e-5, 1e-5));
}

TEST(Thin, RefusesBadMasks) {
    const Tensor t = Tensor::zeros({3, 2});
    EXPECT_TRUE(throws_with([&] { keep_channels(t, 0, {1, 1}); }, {"mask of 2", "3 channels"}));
    EXPECT_TRUE(throws_with([&] { keep_channels(t, 0, {0, 0, 0}); }, {"at least one"}));
    EXPECT_TRUE(throws_with([&] { keep_channels(t, 2, {1}); }, {"out of range"}));
}

}  // namespace
}  // namespace mdq
