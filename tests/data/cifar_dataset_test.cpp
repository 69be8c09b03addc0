// CifarDataset on files written in the official binary format.
#include "data/cifar_dataset.h"

#include "tests/testing/data_files.h"
#include "tests/testing/test_util.h"

namespace mdq::data {
namespace {

using testing::throws_with;

TEST(CifarDataset, Cifar10RecordsRoundTripAcrossFiles) {
    testing::TempDir dir("cifar");
    std::vector<uint8_t> a, b;
    for (int i = 0; i < 3; ++i)
        testing::append_cifar_record(a, testing::pattern_image(32, 32, 3, i), i);
    for (int i = 3; i < 5; ++i)
        testing::append_cifar_record(b, testing::pattern_image(32, 32, 3, i), 9 - i);
    testing::write_file(dir / "data_batch_1.bin", a);
    testing::write_file(dir / "data_batch_2.bin", b);
    CifarDataset ds(CifarKind::Cifar10, {dir / "data_batch_1.bin", dir / "data_batch_2.bin"});
    EXPECT_EQ(ds.size(), 5);
    EXPECT_EQ(ds.num_classes(), 10);
    EXPECT_EQ(ds.image_shape(), (ImageShape{32, 32, 3}));
    Image im;
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(ds.read(i, im), i < 3 ? i : 9 - i);
        EXPECT_EQ(im.pixels, testing::pattern_image(32, 32, 3, i).pixels) << "example " << i;
    }
    EXPECT_EQ(CifarDataset::record_bytes(CifarKind::Cifar10), 3073);
}

TEST(CifarDataset, Cifar100UsesTheFineLabel) {
    testing::TempDir dir("cifar");
    std::vector<uint8_t> bytes;
    testing::append_cifar_record(bytes, testing::pattern_image(32, 32, 3, 1), 87, 19);
    testing::append_cifar_record(bytes, testing::pattern_image(32, 32, 3, 2), 3, 0);
    testing::write_file(dir / "train.bin", bytes);
    CifarDataset ds(CifarKind::Cifar100, {dir / "train.bin"});
    EXPECT_EQ(ds.num_classes(), 100);
    Image im;
    EXPECT_EQ(ds.read(0, im), 87);
    EXPECT_EQ(ds.read(1, im), 3);
    EXPECT_EQ(im.pixels, testing::pattern_image(32, 32, 3, 2).pixels);
}

TEST(CifarDataset, TruncatedFileNamesTheBytesExpected) {
    testing::TempDir dir("cifar");
    std::vector<uint8_t> bytes;
    for (int i = 0; i < 2; ++i)
        testing::append_cifar_record(bytes, testing::pattern_image(32, 32, 3, i), 1);
    bytes.resize(bytes.size() - 100);
    testing::write_file(dir / "data_batch_1.bin", bytes);
    EXPECT_TRUE(throws_with([&] { CifarDataset(CifarKind::Cifar10, {dir / "data_batch_1.bin"}); },
                            {dir / "data_batch_1.bin", "truncated CIFAR file", "6046 bytes",
                             "3073-byte records", "expected 6146 bytes for 2 records"}));
    testing::write_file(dir / "empty.bin", {});
    EXPECT_TRUE(throws_with([&] { CifarDataset(CifarKind::Cifar10, {dir / "empty.bin"}); },
                            {dir / "empty.bin", "0 bytes"}));
}

TEST(CifarDataset, LabelsOutsideTheClassesAreErrors) {
    testing::TempDir dir("cifar");
    std::vector<uint8_t> bytes;
    testing::append_cifar_record(bytes, testing::pattern_image(32, 32, 3, 0), 1);
    testing::append_cifar_record(bytes, testing::pattern_image(32, 32, 3, 1), 10);
    testing::write_file(dir / "b.bin", bytes);
    EXPECT_TRUE(throws_with([&] { CifarDataset(CifarKind::Cifar10, {dir / "b.bin"}); },
                            {dir / "b.bin", "record 1", "label 10", "[0, 10)"}));
    bytes.clear();
    testing::append_cifar_record(bytes, testing::pattern_image(32, 32, 3, 0), 5, 20);
    testing::write_file(dir / "c.bin", bytes);
    EXPECT_TRUE(throws_with([&] { CifarDataset(CifarKind::Cifar100, {dir / "c.bin"}); },
                            {dir / "c.bin", "coarse label 20", "[0, 20)"}));
    EXPECT_TRUE(throws_with([&] { CifarDataset(CifarKind::Cifar10, {dir / "missing.bin"}); },
                            {"cannot open", dir / "missing.bin"}));
}

}  // namespace
}  // namespace mdq::data
