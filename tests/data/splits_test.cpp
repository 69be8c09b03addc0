// make_dataset_splits on generated trees in the official layouts: split sizes, which
// examples go where, normalisation and transforms, and the errors for missing folders.
#include "data/splits.h"

#include "data/subset.h"
#include "tests/testing/data_files.h"
#include "tests/testing/test_util.h"

namespace mdq::data {
namespace {

using testing::throws_with;

// `records` CIFAR records whose image is pattern_image(seed = first + r) and label r % 10.
std::vector<uint8_t> cifar_file(int64_t first, int64_t records, bool hundred) {
    std::vector<uint8_t> bytes;
    for (int64_t r = 0; r < records; ++r)
        testing::append_cifar_record(
            bytes, testing::pattern_image(32, 32, 3, static_cast<uint32_t>(first + r)),
            static_cast<uint8_t>((first + r) % (hundred ? 100 : 10)), hundred ? 0 : -1);
    return bytes;
}

TEST(Splits, Cifar10HoldsOutTheLast5000TrainingImages) {
    testing::TempDir dir("cifar10");
    const std::string bin = dir / "cifar-10-batches-bin";  // as the official archive extracts
    for (int k = 0; k < 5; ++k)
        testing::write_file(bin + "/data_batch_" + std::to_string(k + 1) + ".bin",
                            cifar_file(1010 * k, 1010, false));
    testing::write_file(bin + "/test_batch.bin", cifar_file(90000, 20, false));
    const DatasetSplits s = make_dataset_splits("cifar10", dir.path());
    EXPECT_EQ(s.train->size(), 50);
    EXPECT_EQ(s.val->size(), 5000);
    EXPECT_EQ(s.test->size(), 20);
    Image im;
    EXPECT_EQ(s.val->read(0, im), 50 % 10);  // the first held-out image is training image 50
    EXPECT_EQ(im.pixels, testing::pattern_image(32, 32, 3, 50).pixels);
    EXPECT_EQ(s.val->read(4999, im), 5049 % 10);
    EXPECT_EQ(s.train->read(49, im), 49 % 10);
    EXPECT_EQ(s.test->read(3, im), 90003 % 10);
    EXPECT_EQ(s.normalization.mean, (std::vector<float>{0.4914f, 0.4822f, 0.4465f}));
    EXPECT_EQ(s.normalization.std, (std::vector<float>{0.2023f, 0.1994f, 0.2010f}));
    EXPECT_EQ(s.train_transform.description(),
              "RandomCrop(32, padding=4) -> RandomHorizontalFlip(p=0.500000) -> Normalize");
    EXPECT_EQ(s.val_transform.description(), s.train_transform.description());  // docs/METHOD.md 2
    EXPECT_EQ(s.test_transform.description(), "Normalize");
}

TEST(Splits, Cifar100UsesTrainAndTestFiles) {
    testing::TempDir dir("cifar100");
    testing::write_file(dir / "train.bin", cifar_file(0, 5003, true));
    testing::write_file(dir / "test.bin", cifar_file(7, 4, true));
    const DatasetSplits s = make_dataset_splits("cifar100", dir.path());
    EXPECT_EQ(s.train->size(), 3);
    EXPECT_EQ(s.val->size(), 5000);
    EXPECT_EQ(s.test->num_classes(), 100);
    EXPECT_EQ(s.test->label(1), 8);
}

// CIFAR's validation images follow the training augmentation, so a replacement applies to both.
TEST(Splits, TrainTransformsReplaceTheRecipesAugmentation) {
    testing::TempDir dir("cifar100tf");
    testing::write_file(dir / "train.bin", cifar_file(0, 5001, true));
    testing::write_file(dir / "test.bin", cifar_file(7, 1, true));
    DatasetSplits s = make_dataset_splits("cifar100", dir.path());
    set_train_transforms(s, {std::make_shared<RandomCrop>(32, 2)});
    EXPECT_EQ(s.train_transform.description(), "RandomCrop(32, padding=2) -> Normalize");
    EXPECT_EQ(s.val_transform.description(), s.train_transform.description());
    EXPECT_EQ(s.test_transform.description(), "Normalize");
    EXPECT_EQ(s.train_transform.normalization().std, s.normalization.std);
    set_train_transforms(s, {});
    EXPECT_EQ(s.val_transform.description(), "Normalize");
}

TEST(Splits, IdxDatasetsHoldOutTheLast5000) {
    testing::TempDir dir("fmnist");
    std::vector<uint8_t> pixels(5010 * 4), labels(5010);
    for (size_t i = 0; i < labels.size(); ++i)
        labels[i] = static_cast<uint8_t>(i % 10);
    testing::write_gzip(dir / "train-images-idx3-ubyte.gz",
                        testing::idx_bytes({5010, 2, 2}, pixels));
    testing::write_gzip(dir / "train-labels-idx1-ubyte.gz", testing::idx_bytes({5010}, labels));
    testing::write_file(dir / "t10k-images-idx3-ubyte",
                        testing::idx_bytes({3, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
    testing::write_file(dir / "t10k-labels-idx1-ubyte", testing::idx_bytes({3}, {4, 5, 6}));
    const DatasetSplits s = make_dataset_splits("fashion-mnist", dir.path());
    EXPECT_EQ(s.train->size(), 10);
    EXPECT_EQ(s.val->size(), 5000);
    EXPECT_EQ(s.val->label(0), 0);
    EXPECT_EQ(s.test->size(), 3);
    EXPECT_EQ(s.test->image_shape(), (ImageShape{2, 2, 1}));
    EXPECT_EQ(s.normalization.mean, (std::vector<float>{0.2860f}));
    EXPECT_EQ(s.normalization.std, (std::vector<float>{0.3530f}));
    EXPECT_EQ(s.train_transform.description(), "Normalize");
    EXPECT_EQ(make_dataset_splits("mnist", dir.path()).normalization.mean,
              (std::vector<float>{0.1307f}));
    DatasetSplits augmented = make_dataset_splits("fashion-mnist", dir.path());
    set_train_transforms(augmented, {std::make_shared<RandomHorizontalFlip>()});
    EXPECT_EQ(augmented.train_transform.description(),
              "RandomHorizontalFlip(p=0.500000) -> Normalize");
    EXPECT_EQ(augmented.val_transform.description(), "Normalize");  // validation stays plain
    EXPECT_EQ(augmented.train_transform.normalization().mean, (std::vector<float>{0.2860f}));
}

TEST(Splits, TinyImageNetValidationIsTheTestSet) {
    testing::TempDir dir("tiny");
    testing::make_tinyimagenet(dir / "tiny-imagenet-200", {"n02", "n01"}, 2, 3);
    const DatasetSplits s = make_dataset_splits("tinyimagenet", dir.path());
    EXPECT_EQ(s.train->size(), 4);
    EXPECT_EQ(s.val->size(), 3);
    EXPECT_EQ(s.val, s.test);
    EXPECT_EQ(s.train_transform.description(),
              "RandomResizedCrop(64) -> RandomHorizontalFlip(p=0.500000) -> Normalize");
    EXPECT_EQ(s.test_transform.description(), "CenterCrop(64) -> Normalize");
    EXPECT_EQ(s.normalization.mean, (std::vector<float>{0.485f, 0.456f, 0.406f}));
}

TEST(Splits, ImageNetTrainAndVal) {
    testing::TempDir dir("imagenet");
    testing::make_imagenet(dir.path(), {"n01", "n02"}, 3, 2);
    const DatasetSplits s = make_dataset_splits("imagenet", dir.path());
    EXPECT_EQ(s.train->size(), 6);
    EXPECT_EQ(s.val->size(), 4);
    EXPECT_EQ(s.test_transform.description(), "Resize(256) -> CenterCrop(224) -> Normalize");
}

TEST(Splits, MissingFoldersAndFilesNameWhatWasExpected) {
    testing::TempDir dir("none");
    const std::string missing = dir / "absent";
    EXPECT_TRUE(
        throws_with([&] { make_dataset_splits("fashion-mnist", missing); },
                    {"fashion-mnist", missing, "does not exist", "train-images-idx3-ubyte"}));
    EXPECT_TRUE(throws_with([&] { make_dataset_splits("cifar10", missing); },
                            {missing, "data_batch_1.bin"}));
    EXPECT_TRUE(
        throws_with([&] { make_dataset_splits("cifar100", missing); }, {missing, "train.bin"}));
    EXPECT_TRUE(
        throws_with([&] { make_dataset_splits("tinyimagenet", missing); }, {missing, "wnids.txt"}));
    EXPECT_TRUE(throws_with([&] { make_dataset_splits("imagenet", missing); },
                            {missing, "train/<wnid>/*.JPEG"}));
    EXPECT_TRUE(
        throws_with([&] { make_dataset_splits("cifar10"); }, {"cifar10", "no data folder given"}));
    // A folder with some of the files.
    testing::write_file(dir / "data_batch_1.bin", cifar_file(0, 1, false));
    EXPECT_TRUE(throws_with([&] { make_dataset_splits("cifar10", dir.path()); },
                            {dir / "data_batch_2.bin", "is missing"}));
    EXPECT_TRUE(throws_with([&] { make_dataset_splits("svhn", dir.path()); },
                            {"unknown dataset 'svhn'", "cifar10"}));
}

TEST(Splits, TooSmallTrainingSetIsAnError) {
    testing::TempDir dir("cifar100");
    testing::write_file(dir / "train.bin", cifar_file(0, 10, true));
    testing::write_file(dir / "test.bin", cifar_file(0, 1, true));
    EXPECT_TRUE(throws_with([&] { make_dataset_splits("cifar100", dir.path()); },
                            {"training set has 10 examples", "more than 5000"}));
}

TEST(Splits, DefaultFolders) {
    EXPECT_EQ(default_data_dir("fashion-mnist"), "/usr/share/datasets/fashion-mnist");
    EXPECT_EQ(default_data_dir("cifar10"), "");
    EXPECT_EQ(dataset_names().size(), 6u);
}

// The real Fashion-MNIST of the Debian package dataset-fashion-mnist: sizes, geometry and the
// label histogram (tests/data/loader_test.cpp makes one pass of the loader over it).

std::vector<int64_t> histogram(const Dataset& ds) {
    std::vector<int64_t> h(static_cast<size_t>(ds.num_classes()));
    for (int64_t i = 0; i < ds.size(); ++i)
        ++h[static_cast<size_t>(ds.label(i))];
    return h;
}

TEST(FashionMnist, RealFilesHaveTheOfficialSizesAndLabels) {
    SKIP_WITHOUT_FASHION_MNIST();
    const DatasetSplits s = make_dataset_splits("fashion-mnist");
    const Subset& train = dynamic_cast<const Subset&>(*s.train);
    EXPECT_EQ(train.base().size(), 60000);
    EXPECT_EQ(s.train->size(), 55000);
    EXPECT_EQ(s.val->size(), 5000);
    EXPECT_EQ(s.test->size(), 10000);
    EXPECT_EQ(s.test->image_shape(), (ImageShape{28, 28, 1}));
    EXPECT_EQ(s.train->num_classes(), 10);
    EXPECT_EQ(histogram(train.base()), std::vector<int64_t>(10, 6000));
    EXPECT_EQ(histogram(*s.test), std::vector<int64_t>(10, 1000));
}

}  // namespace
}  // namespace mdq::data
