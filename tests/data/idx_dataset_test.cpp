// IdxDataset: plain and gzip files round-trip exactly; bad files are IoErrors that name the
// file, the field and what was expected.
#include "data/idx_dataset.h"

#include "data/file_bytes.h"

#include "tests/testing/data_files.h"
#include "tests/testing/test_util.h"

namespace mdq::data {
namespace {

using testing::throws_with;

struct IdxFiles {
    std::vector<uint8_t> pixels, labels;
};

// 5 images of 4x3 with pixel (i, p) = 17 i + p and labels i % 3.
IdxFiles small_files() {
    IdxFiles f;
    for (int i = 0; i < 5; ++i) {
        for (int p = 0; p < 12; ++p)
            f.pixels.push_back(static_cast<uint8_t>(17 * i + p));
        f.labels.push_back(static_cast<uint8_t>(i % 3));
    }
    return f;
}

void expect_round_trip(const IdxDataset& ds, const IdxFiles& f) {
    EXPECT_EQ(ds.size(), 5);
    EXPECT_EQ(ds.num_classes(), 10);
    EXPECT_EQ(ds.image_shape(), (ImageShape{4, 3, 1}));
    Image im;
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(ds.read(i, im), i % 3);
        EXPECT_EQ(ds.label(i), i % 3);
        ASSERT_EQ(im.shape, (ImageShape{4, 3, 1}));
        EXPECT_EQ(im.pixels,
                  std::vector<uint8_t>(f.pixels.begin() + 12 * i, f.pixels.begin() + 12 * (i + 1)));
    }
}

TEST(IdxDataset, PlainAndGzipFilesRoundTrip) {
    testing::TempDir dir("idx");
    const IdxFiles f = small_files();
    for (const bool gz : {false, true}) {
        SCOPED_TRACE(gz ? "gzip" : "plain");
        const auto write = gz ? testing::write_gzip : testing::write_file;
        const std::string suffix = gz ? ".gz" : "";
        write(dir / ("images" + suffix), testing::idx_bytes({5, 4, 3}, f.pixels));
        write(dir / ("labels" + suffix), testing::idx_bytes({5}, f.labels));
        expect_round_trip(IdxDataset(dir / ("images" + suffix), dir / ("labels" + suffix)), f);
    }
}

TEST(IdxDataset, TruncatedFileNamesTheFileAndTheBytesExpected) {
    testing::TempDir dir("idx");
    const IdxFiles f = small_files();
    std::vector<uint8_t> images = testing::idx_bytes({5, 4, 3}, f.pixels);
    images.resize(images.size() - 10);
    testing::write_file(dir / "images", images);
    testing::write_file(dir / "labels", testing::idx_bytes({5}, f.labels));
    EXPECT_TRUE(throws_with(
        [&] { IdxDataset(dir / "images", dir / "labels"); },
        {dir / "images", "truncated IDX file", "[5, 4, 3]", "76 bytes", "found 66 bytes"}));
    // Too short even for the header.
    testing::write_file(dir / "labels", {0, 0, 8});
    EXPECT_TRUE(throws_with([&] { IdxDataset(dir / "images", dir / "labels"); },
                            {dir / "images", "truncated"}));
}

TEST(IdxDataset, TruncatedGzipStreamIsAnError) {
    testing::TempDir dir("idx");
    IdxFiles f = small_files();
    f.pixels.resize(5 * 12 * 50);  // enough data that cutting the stream loses some
    for (size_t i = 0; i < f.pixels.size(); ++i)
        f.pixels[i] = static_cast<uint8_t>(i * 7919);
    testing::write_gzip(dir / "images.gz", testing::idx_bytes({5, 20, 30}, f.pixels));
    std::vector<uint8_t> gz;
    read_raw_file(dir / "images.gz", gz);
    gz.resize(gz.size() / 2);
    testing::write_file(dir / "images.gz", gz);
    testing::write_file(dir / "labels", testing::idx_bytes({5}, f.labels));
    EXPECT_TRUE(throws_with([&] { IdxDataset(dir / "images.gz", dir / "labels"); },
                            {dir / "images.gz", "gzip"}));
}

TEST(IdxDataset, WrongMagicNumber) {
    testing::TempDir dir("idx");
    const IdxFiles f = small_files();
    // A labels file (1 dimension) where the images file (3 dimensions) belongs.
    testing::write_file(dir / "images", testing::idx_bytes({5}, f.labels));
    testing::write_file(dir / "labels", testing::idx_bytes({5}, f.labels));
    EXPECT_TRUE(
        throws_with([&] { IdxDataset(dir / "images", dir / "labels"); },
                    {dir / "images", "bad IDX magic number 0x00000801", "expected 0x00000803"}));
    std::vector<uint8_t> floats = testing::idx_bytes({5}, f.labels);
    floats[2] = 0x0D;  // IDX float data
    testing::write_file(dir / "labels", floats);
    testing::write_file(dir / "images", testing::idx_bytes({5, 4, 3}, f.pixels));
    EXPECT_TRUE(throws_with([&] { IdxDataset(dir / "images", dir / "labels"); },
                            {dir / "labels", "0x00000d01", "unsigned bytes"}));
}

TEST(IdxDataset, CountsAndLabelsMustAgree) {
    testing::TempDir dir("idx");
    IdxFiles f = small_files();
    testing::write_file(dir / "images", testing::idx_bytes({5, 4, 3}, f.pixels));
    testing::write_file(dir / "labels", testing::idx_bytes({4}, {0, 1, 2, 3}));
    EXPECT_TRUE(throws_with([&] { IdxDataset(dir / "images", dir / "labels"); },
                            {"holds 5 images", "holds 4 labels"}));
    f.labels[3] = 10;
    testing::write_file(dir / "labels", testing::idx_bytes({5}, f.labels));
    EXPECT_TRUE(throws_with([&] { IdxDataset(dir / "images", dir / "labels"); },
                            {dir / "labels", "example 3", "is 10", "[0, 10)"}));
}

TEST(IdxDataset, MissingFile) {
    testing::TempDir dir("idx");
    EXPECT_TRUE(throws_with([&] { IdxDataset(dir / "nope", dir / "labels"); },
                            {"cannot open", dir / "nope"}));
}

}  // namespace
}  // namespace mdq::data
