// Transform specs of the train_transforms key: each form builds the transform it names, with
// its defaults, and every malformed spec is an error that quotes it.
#include "data/transform_spec.h"

#include "tests/testing/data_files.h"
#include "tests/testing/test_util.h"

namespace mdq::data {
namespace {

using testing::throws_with;

TEST(TransformSpec, EachFormBuildsItsTransform) {
    EXPECT_EQ(parse_transform("random_crop:28:2")->name(), RandomCrop(28, 2).name());
    EXPECT_EQ(parse_transform("random_crop:28")->name(), RandomCrop(28, 0).name());
    EXPECT_EQ(parse_transform("hflip")->name(), RandomHorizontalFlip(0.5f).name());
    EXPECT_EQ(parse_transform("hflip:0.25")->name(), RandomHorizontalFlip(0.25f).name());
    EXPECT_EQ(parse_transform("random_resized_crop:64")->name(), RandomResizedCrop(64).name());
    EXPECT_EQ(parse_transform("resize:256")->name(), Resize(256).name());
    EXPECT_EQ(parse_transform("center_crop:224")->name(), CenterCrop(224).name());
    const TransformList list = parse_transforms({"random_crop:28:2", "hflip"});
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[1]->name(), RandomHorizontalFlip().name());
    EXPECT_TRUE(parse_transforms({}).empty());
}

// The parsed transforms draw the same windows and flips as the ones built in code.
TEST(TransformSpec, ParsedTransformsActLikeTheirClasses) {
    const Image in = testing::pattern_image(9, 7, 3, 5);
    const std::shared_ptr<const Transform> crop = parse_transform("random_crop:6:3");
    const std::shared_ptr<const Transform> rrc = parse_transform("random_resized_crop:5:0.5:0.9");
    const RandomCrop crop_ref(6, 3);
    const RandomResizedCrop rrc_ref(5, {0.5, 0.9});
    for (int64_t i = 0; i < 20; ++i) {
        PhiloxStream r1 = PhiloxStream::for_example(3, 0, i), r2 = r1;
        Image a, b;
        crop->apply(in, a, r1);
        crop_ref.apply(in, b, r2);
        EXPECT_EQ(a.pixels, b.pixels);
        rrc->apply(in, a, r1);
        rrc_ref.apply(in, b, r2);
        EXPECT_EQ(a.pixels, b.pixels);
    }
}

TEST(TransformSpec, MalformedSpecsAreErrorsThatQuoteThem) {
    EXPECT_TRUE(throws_with([] { parse_transform("rotate:10"); },
                            {"'rotate:10'", "unknown transform 'rotate'", "random_crop:SIZE"}));
    EXPECT_TRUE(throws_with([] { parse_transform(""); }, {"unknown transform ''"}));
    EXPECT_TRUE(throws_with([] { parse_transform("random_crop"); },
                            {"'random_crop'", "takes 1 to 2", "got 0"}));
    EXPECT_TRUE(throws_with([] { parse_transform("resize:1:2"); }, {"takes 1 number", "got 2"}));
    EXPECT_TRUE(throws_with([] { parse_transform("hflip:0.5:1"); }, {"takes 0 to 1"}));
    EXPECT_TRUE(throws_with([] { parse_transform("random_crop:2x"); },
                            {"'random_crop:2x'", "'2x' is not a whole number"}));
    EXPECT_TRUE(throws_with([] { parse_transform("center_crop:"); }, {"'' is not a whole number"}));
    EXPECT_TRUE(throws_with([] { parse_transform("hflip:half"); }, {"'half' is not a number"}));
    // The transforms' own range checks, with the spec in front.
    EXPECT_TRUE(throws_with([] { parse_transform("random_crop:0"); },
                            {"'random_crop:0'", "size must be in [1, 65536]"}));
    // Found by fuzzing: a huge size overflowed the output geometry (tests/fuzz/corpus/).
    EXPECT_TRUE(throws_with([] { parse_transform("random_resized_crop:44444444444000009"); },
                            {"size must be in [1, 65536]"}));
    EXPECT_TRUE(throws_with([] { parse_transform("random_crop:28:-1"); }, {"padding"}));
    EXPECT_TRUE(throws_with([] { parse_transform("hflip:1.5"); }, {"'hflip:1.5'", "[0, 1]"}));
    EXPECT_TRUE(throws_with([] { parse_transform("random_resized_crop:8:0.9:0.5"); },
                            {"scale must satisfy"}));
    EXPECT_TRUE(throws_with([] { parse_transforms({"hflip", "blur"}); }, {"'blur'"}));
}

}  // namespace
}  // namespace mdq::data
