// ImageFolderDataset on TinyImageNet- and ImageNet-shaped trees of generated JPEGs, and its
// handling of bad files: skipped and counted, never fatal.
#include "data/image_folder_dataset.h"

#include <cstdlib>

#include "data/imagenet_folders.h"
#include "data/loader.h"
#include "data/transforms.h"
#include "tests/testing/data_files.h"
#include "tests/testing/test_util.h"

namespace mdq::data {
namespace {

using testing::throws_with;

const std::vector<std::string> kWnids{"n01443537", "n01629819", "n01641577"};

// Whether `im` is close to the flat colour the generators give image k of class c.
::testing::AssertionResult is_folder_image(const Image& im, int64_t c, int64_t k) {
    const Image want = testing::folder_image(c, k, im.shape.height, im.shape.width);
    for (size_t i = 0; i < im.pixels.size(); ++i)
        if (std::abs(int{im.pixels[i]} - int{want.pixels[i]}) > 2)
            return ::testing::AssertionFailure()
                   << "byte " << i << ": " << int{im.pixels[i]} << " vs " << int{want.pixels[i]};
    return ::testing::AssertionSuccess();
}

TEST(ImageFolder, TinyImageNetTrainAndVal) {
    testing::TempDir dir("tiny");
    testing::make_tinyimagenet(dir.path(), kWnids, 4, 9);
    auto train = tinyimagenet_train(dir.path());
    EXPECT_EQ(train->size(), 12);
    EXPECT_EQ(train->num_classes(), 3);
    EXPECT_EQ(train->classes(), kWnids);  // sorted, although wnids.txt lists them reversed
    EXPECT_EQ(train->image_shape(), (ImageShape{64, 64, 3}));
    EXPECT_EQ(train->skipped(), 0);
    Image im;
    for (int64_t i = 0; i < 12; ++i) {
        EXPECT_EQ(train->read(i, im), i / 4);
        EXPECT_EQ(im.shape, (ImageShape{64, 64, 3}));
        EXPECT_TRUE(is_folder_image(im, i / 4, i % 4)) << train->path(i);
    }
    auto val = tinyimagenet_val(dir.path());
    EXPECT_EQ(val->size(), 9);
    // Sorted by file name: val_0, val_1, ..., val_8; image i is of class (7 i) % 3.
    for (int64_t i = 0; i < 9; ++i) {
        EXPECT_EQ(val->label(i), (7 * i) % 3);
        EXPECT_EQ(val->read(i, im), (7 * i) % 3);
        EXPECT_TRUE(is_folder_image(im, (7 * i) % 3, 0));
    }
}

TEST(ImageFolder, ImageNetLayoutKeepsEachImagesSize) {
    testing::TempDir dir("imagenet");
    testing::make_imagenet(dir.path(), kWnids, 2, 1);
    auto train = imagenet_split(dir.path(), "train");
    auto val = imagenet_split(dir.path(), "val");
    EXPECT_EQ(train->size(), 6);
    EXPECT_EQ(val->size(), 3);
    EXPECT_EQ(train->image_shape(), (ImageShape{0, 0, 3}));
    Image im;
    EXPECT_EQ(train->read(3, im), 1);
    EXPECT_EQ(im.shape, (ImageShape{48, 52, 3}));
    EXPECT_TRUE(is_folder_image(im, 1, 1));
    EXPECT_EQ(val->read(2, im), 2);
    EXPECT_EQ(im.shape, (ImageShape{48, 36, 3}));
    // A val class that train does not have is an error.
    testing::write_jpeg(dir / "val/n99999999/x.JPEG", testing::flat_image(8, 8, 1, 2, 3));
    EXPECT_TRUE(throws_with([&] { imagenet_split(dir.path(), "val"); },
                            {"n99999999", "not one of the 3 known classes"}));
}

TEST(ImageFolder, NonJpegFileIsSkippedAndCountedWhenIndexing) {
    testing::TempDir dir("imagenet");
    testing::make_imagenet(dir.path(), kWnids, 2, 1);
    testing::write_file(dir / "train/n01629819/n01629819_9.JPEG", std::vector<uint8_t>(500, 7));
    testing::write_file(dir / "train/n01629819/notes.txt", {1, 2, 3});  // not a .jpg name
    auto train = imagenet_split(dir.path(), "train");
    EXPECT_EQ(train->size(), 6);
    EXPECT_EQ(train->skipped(), 1);
}

TEST(ImageFolder, UndecodableJpegIsReplacedByTheNextOne) {
    testing::TempDir dir("imagenet");
    testing::make_imagenet(dir.path(), kWnids, 2, 1);
    // The header is intact (indexing keeps it) but the data stops half way.
    const std::string victim = dir / "train/n01443537/n01443537_1.JPEG";
    std::vector<uint8_t> bytes = testing::jpeg_bytes(testing::pattern_image(48, 48, 3, 3));
    bytes.resize(bytes.size() / 2);
    testing::write_file(victim, bytes);
    auto train = imagenet_split(dir.path(), "train");
    ASSERT_EQ(train->size(), 6);
    ASSERT_EQ(train->path(1), victim);
    EXPECT_EQ(train->skipped(), 0);
    Image im;
    EXPECT_EQ(train->read(1, im), 1);  // example 2, the first of class 1
    EXPECT_TRUE(is_folder_image(im, 1, 0));
    EXPECT_EQ(train->skipped(), 1);
    EXPECT_EQ(train->read(1, im), 1);  // counted once
    EXPECT_EQ(train->skipped(), 1);
    EXPECT_EQ(train->label(1), 0);  // the file's own label is unchanged
}

TEST(ImageFolder, LoaderReplacesAnUndecodableImageTheSameWayForAnyWorkerCount) {
    testing::TempDir dir("imagenet");
    testing::make_imagenet(dir.path(), kWnids, 3, 1);
    std::vector<uint8_t> bytes = testing::jpeg_bytes(testing::pattern_image(48, 48, 3, 3));
    bytes.resize(bytes.size() / 2);
    testing::write_file(dir / "train/n01629819/n01629819_0.JPEG", bytes);
    std::vector<std::vector<float>> images[2];
    for (int run = 0; run < 2; ++run) {
        auto train = imagenet_split(dir.path(), "train");
        LoaderOptions o;
        o.batch_size = 4;
        o.num_workers = run == 0 ? 1 : 3;
        Loader loader(train, Pipeline({std::make_shared<RandomResizedCrop>(16)}, {}), o);
        loader.start_epoch(1);
        while (auto b = loader.next())
            images[run].push_back(b->images.to_vector<float>());
        EXPECT_EQ(loader.skipped(), 1);
    }
    EXPECT_EQ(images[0].size(), 3u);
    EXPECT_EQ(images[0], images[1]);
}

TEST(ImageFolder, MissingFoldersNameWhatWasExpected) {
    testing::TempDir dir("tiny");
    EXPECT_TRUE(throws_with([&] { tinyimagenet_train(dir / "none"); },
                            {dir / "none", "does not exist", "wnids.txt"}));
    EXPECT_TRUE(throws_with([&] { imagenet_split(dir / "none", "train"); },
                            {dir / "none", "does not exist", "train/<wnid>/*.JPEG"}));
    testing::write_text(dir / "wnids.txt", "n01443537\n");
    EXPECT_TRUE(throws_with([&] { tinyimagenet_val(dir.path()); }, {dir / "val/images"}));
}

TEST(ImageFolder, BadAnnotationsAreErrorsWithTheLine) {
    testing::TempDir dir("tiny");
    testing::make_tinyimagenet(dir.path(), kWnids, 1, 3);
    testing::write_text(dir / "val/val_annotations.txt",
                        "val_0.JPEG\tn01443537\t0\t0\t63\t63\nval_1.JPEG n01443537\n");
    EXPECT_TRUE(throws_with([&] { tinyimagenet_val(dir.path()); },
                            {"val_annotations.txt:2", "6 tab-separated fields", "found 1"}));
    testing::write_text(dir / "val/val_annotations.txt", "val_0.JPEG\tn00000000\t0\t0\t63\t63\n");
    EXPECT_TRUE(throws_with([&] { tinyimagenet_val(dir.path()); },
                            {"val_annotations.txt:1", "wnid n00000000", "wnids.txt"}));
}

}  // namespace
}  // namespace mdq::data
