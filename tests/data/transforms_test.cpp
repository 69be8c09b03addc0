// Transforms: crop and flip geometry on known images, resize, RandomResizedCrop's size and
// reproducibility, and the normalisation values.
#include "data/transforms.h"

#include <cmath>
#include <set>

#include "data/pipeline.h"
#include "data/resample.h"
#include "tests/testing/data_files.h"
#include "tests/testing/test_util.h"

namespace mdq::data {
namespace {

using testing::throws_with;

Image run(const Transform& t, const Image& in, int64_t index = 0, uint64_t seed = 1) {
    PhiloxStream rng = PhiloxStream::for_example(seed, 0, index);
    Image out;
    t.apply(in, out, rng);
    return out;
}

// The value of the zero-padded image at (y, x), outside pixels 0.
uint8_t padded_at(const Image& im, int64_t y, int64_t x, int64_t c) {
    if (y < 0 || x < 0 || y >= im.shape.height || x >= im.shape.width) return 0;
    return im.at(y, x, c);
}

TEST(Transforms, RandomCropIsAWindowOfThePaddedImage) {
    const Image in = testing::pattern_image(6, 5, 3, 11);
    const RandomCrop crop(4, 2);
    EXPECT_EQ(crop.output_shape(in.shape), (ImageShape{4, 4, 3}));
    std::set<std::pair<int64_t, int64_t>> offsets;
    for (int64_t i = 0; i < 400; ++i) {
        const Image out = run(crop, in, i);
        ASSERT_EQ(out.shape, (ImageShape{4, 4, 3}));
        // Find the window: top in [-2, 4], left in [-2, 3].
        bool found = false;
        for (int64_t top = -2; top <= 4 && !found; ++top)
            for (int64_t left = -2; left <= 3 && !found; ++left) {
                bool same = true;
                for (int64_t y = 0; y < 4 && same; ++y)
                    for (int64_t x = 0; x < 4 && same; ++x)
                        for (int64_t c = 0; c < 3 && same; ++c)
                            same = out.at(y, x, c) == padded_at(in, top + y, left + x, c);
                if (same) {
                    found = true;
                    offsets.insert({top, left});
                }
            }
        ASSERT_TRUE(found) << "example " << i << " is not a window of the padded image";
    }
    EXPECT_EQ(offsets.size(), 7u * 6u);  // every position, corners included
}

TEST(Transforms, RandomCropWithoutRoomIsIdentity) {
    const Image in = testing::pattern_image(8, 8, 1, 3);
    EXPECT_EQ(run(RandomCrop(8), in).pixels, in.pixels);
    EXPECT_TRUE(throws_with([&] { run(RandomCrop(9), in); }, {"smaller than the crop"}));
}

TEST(Transforms, HorizontalFlipMirrors) {
    const Image in = testing::pattern_image(3, 5, 3, 2);
    const Image out = run(RandomHorizontalFlip(1.f), in);
    for (int64_t y = 0; y < 3; ++y)
        for (int64_t x = 0; x < 5; ++x)
            for (int64_t c = 0; c < 3; ++c)
                EXPECT_EQ(out.at(y, x, c), in.at(y, 4 - x, c));
    EXPECT_EQ(run(RandomHorizontalFlip(0.f), in).pixels, in.pixels);
    int flipped = 0;
    for (int64_t i = 0; i < 1000; ++i)
        flipped += run(RandomHorizontalFlip(), in, i).pixels != in.pixels;
    EXPECT_NEAR(flipped, 500, 60);
}

TEST(Transforms, CenterCropOffsetsRoundLikeTorchvision) {
    const Image in = testing::pattern_image(6, 5, 1, 4);
    // Height 6 -> 3: offset round(1.5) = 2; width 5 -> 3: offset 1.
    const Image out = run(CenterCrop(3), in);
    ASSERT_EQ(out.shape, (ImageShape{3, 3, 1}));
    for (int64_t y = 0; y < 3; ++y)
        for (int64_t x = 0; x < 3; ++x)
            EXPECT_EQ(out.at(y, x, 0), in.at(y + 2, x + 1, 0));
    // Larger than the image: zero padding, floor(d/2) before.
    const Image big = run(CenterCrop(8), in);
    for (int64_t y = 0; y < 8; ++y)
        for (int64_t x = 0; x < 8; ++x)
            EXPECT_EQ(big.at(y, x, 0), padded_at(in, y - 1, x - 1, 0)) << y << "," << x;
}

TEST(Transforms, ResizeScalesTheShorterSide) {
    const Resize resize(20);
    EXPECT_EQ(resize.output_shape({40, 61, 3}), (ImageShape{20, 30, 3}));
    EXPECT_EQ(resize.output_shape({61, 40, 3}), (ImageShape{30, 20, 3}));
    EXPECT_EQ(resize.output_shape({0, 0, 3}), (ImageShape{0, 0, 3}));
    const Image out = run(resize, testing::flat_image(40, 61, 9, 99, 199));
    EXPECT_EQ(out.shape, (ImageShape{20, 30, 3}));
    EXPECT_EQ(out.pixels, testing::flat_image(20, 30, 9, 99, 199).pixels);  // flat stays exact
}

TEST(Transforms, DownscaleAveragesInsteadOfAliasing) {
    // A one-pixel checkerboard shrunk 8 times becomes mid-grey everywhere (antialiasing); a
    // plain 2-tap bilinear would pick up only black or only white pixels.
    Image in;
    in.resize(64, 64, 1);
    for (int64_t y = 0; y < 64; ++y)
        for (int64_t x = 0; x < 64; ++x)
            in.pixels[static_cast<size_t>(y * 64 + x)] = (x + y) % 2 ? 255 : 0;
    Image out;
    resize_bilinear(in, {0, 0, 64, 64}, 8, 8, out);
    for (uint8_t p : out.pixels)
        EXPECT_NEAR(p, 127.5, 8);
    // An upscale of a ramp interpolates linearly between the pixel centres.
    Image ramp;
    ramp.resize(1, 2, 1);
    ramp.pixels = {0, 200};
    resize_bilinear(ramp, {0, 0, 1, 2}, 1, 4, out);
    EXPECT_EQ(out.pixels, (std::vector<uint8_t>{0, 50, 150, 200}));
}

TEST(Transforms, RandomResizedCropSizeAndReproducibility) {
    const Image in = testing::pattern_image(50, 70, 3, 8);
    const RandomResizedCrop rrc(24);
    EXPECT_EQ(rrc.output_shape({0, 0, 3}), (ImageShape{24, 24, 3}));
    const Image a = run(rrc, in, 5), b = run(rrc, in, 5), c = run(rrc, in, 6);
    EXPECT_EQ(a.shape, (ImageShape{24, 24, 3}));
    EXPECT_EQ(a.pixels, b.pixels);
    EXPECT_NE(a.pixels, c.pixels);
    EXPECT_NE(run(rrc, in, 5, 2).pixels, a.pixels);  // another seed
    // The whole image at its own size is the identity; a flat image stays flat.
    const Image sq = testing::pattern_image(16, 16, 3, 1);
    EXPECT_EQ(run(RandomResizedCrop(16, {1.0, 1.0}, {1.0, 1.0}), sq).pixels, sq.pixels);
    const Image flat = run(rrc, testing::flat_image(30, 90, 1, 2, 3));
    EXPECT_EQ(flat.pixels, testing::flat_image(24, 24, 1, 2, 3).pixels);
    EXPECT_TRUE(throws_with([] { RandomResizedCrop(8, {0.5, 0.2}); }, {"scale"}));
}

TEST(Transforms, NormalizeValues) {
    Image in;
    in.resize(1, 2, 3);
    in.pixels = {0, 128, 255, 10, 20, 30};
    const Normalization norm{{0.4914f, 0.4822f, 0.4465f}, {0.2023f, 0.1994f, 0.2010f}};
    const Pipeline p({}, norm);
    float out[6];
    PipelineScratch scratch;
    PhiloxStream rng(0, 0, 0);
    p.run(in, out, {1, 2, 3}, rng, scratch);
    for (int i = 0; i < 6; ++i) {
        const double want = (in.pixels[i] / 255.0 - norm.mean[i % 3]) / norm.std[i % 3];
        EXPECT_NEAR(out[i], want, 1e-5) << i;
    }
    // One mean/std for every channel; the default is pixel / 255.
    Pipeline plain;
    plain.run(in, out, {1, 2, 3}, rng, scratch);
    EXPECT_FLOAT_EQ(out[2], 1.0f);
    EXPECT_TRUE(throws_with([&] { p.run(in, out, {2, 1, 3}, rng, scratch); },
                            {"produced a 1x2x3 image where 2x1x3 was expected"}));
    EXPECT_TRUE(throws_with([] { Pipeline({}, Normalization{{0.5f}, {0.f}}); }, {"positive"}));
}

TEST(Transforms, PipelineChainsStepsAndShapes) {
    const Pipeline p({std::make_shared<Resize>(40), std::make_shared<CenterCrop>(32)},
                     Normalization{});
    EXPECT_EQ(p.output_shape({0, 0, 3}), (ImageShape{32, 32, 3}));
    EXPECT_EQ(p.output_shape({80, 120, 3}), (ImageShape{32, 32, 3}));
    EXPECT_EQ(p.description(), "Resize(40) -> CenterCrop(32) -> Normalize");
    std::vector<float> out(32 * 32 * 3);
    PipelineScratch scratch;
    PhiloxStream rng(0, 0, 0);
    p.run(testing::flat_image(80, 120, 51, 102, 255), out.data(), {32, 32, 3}, rng, scratch);
    EXPECT_FLOAT_EQ(out[0], 0.2f);
    EXPECT_FLOAT_EQ(out[1], 0.4f);
    EXPECT_FLOAT_EQ(out[2], 1.0f);
}

}  // namespace
}  // namespace mdq::data
