// JPEG decoding: colours survive quality-100 encoding, grayscale and CMYK become RGB, and
// corrupt or truncated files are IoErrors naming the file instead of process exits.
#include "data/jpeg_decoder.h"

#include <cstdlib>

#include "tests/testing/data_files.h"
#include "tests/testing/test_util.h"

namespace mdq::data {
namespace {

using testing::throws_with;

::testing::AssertionResult near_flat(const Image& im, int r, int g, int b, int tol = 2) {
    for (int64_t p = 0; p < im.shape.height * im.shape.width; ++p) {
        const int want[3] = {r, g, b};
        for (int c = 0; c < 3; ++c) {
            const int got = im.pixels[static_cast<size_t>(3 * p + c)];
            if (std::abs(got - want[c]) > tol)
                return ::testing::AssertionFailure()
                       << "pixel " << p << " channel " << c << ": " << got << " vs " << want[c];
        }
    }
    return ::testing::AssertionSuccess();
}

TEST(JpegDecoder, FlatColourRoundTrips) {
    Image im;
    decode_jpeg(testing::jpeg_bytes(testing::flat_image(16, 24, 200, 30, 90)), "flat.jpg", im);
    EXPECT_EQ(im.shape, (ImageShape{16, 24, 3}));
    EXPECT_TRUE(near_flat(im, 200, 30, 90));
}

TEST(JpegDecoder, GrayscaleBecomesRgb) {
    Image gray;
    gray.resize(8, 8, 1);
    std::fill(gray.pixels.begin(), gray.pixels.end(), 77);
    Image im;
    decode_jpeg(testing::jpeg_bytes(gray), "gray.jpg", im);
    EXPECT_EQ(im.shape, (ImageShape{8, 8, 3}));
    EXPECT_TRUE(near_flat(im, 77, 77, 77, 1));
}

TEST(JpegDecoder, CmykBecomesRgb) {
    // libjpeg writes an Adobe marker, so the samples are read as inverted CMYK (Photoshop's
    // convention): R = C * K / 255 and so on.
    Image cmyk;
    cmyk.resize(8, 8, 4);
    for (int64_t p = 0; p < 64; ++p) {
        cmyk.pixels[static_cast<size_t>(4 * p)] = 255;
        cmyk.pixels[static_cast<size_t>(4 * p + 1)] = 128;
        cmyk.pixels[static_cast<size_t>(4 * p + 2)] = 0;
        cmyk.pixels[static_cast<size_t>(4 * p + 3)] = 255;
    }
    Image im;
    decode_jpeg(testing::jpeg_bytes(cmyk), "cmyk.jpg", im);
    EXPECT_EQ(im.shape, (ImageShape{8, 8, 3}));
    EXPECT_TRUE(near_flat(im, 255, 128, 0));
}

TEST(JpegDecoder, CorruptAndTruncatedFilesAreErrors) {
    Image im;
    const std::vector<uint8_t> garbage(300, 0x5a);
    EXPECT_TRUE(throws_with([&] { decode_jpeg(garbage, "junk.JPEG", im); },
                            {"junk.JPEG", "corrupt JPEG", "300 bytes", "Not a JPEG file"}));
    std::vector<uint8_t> cut = testing::jpeg_bytes(testing::pattern_image(64, 64, 3, 5));
    cut.resize(cut.size() / 2);
    EXPECT_TRUE(throws_with([&] { decode_jpeg(cut, "cut.JPEG", im); },
                            {"cut.JPEG", "Premature end of JPEG file"}));
    EXPECT_TRUE(throws_with([&] { decode_jpeg({}, "empty.JPEG", im); }, {"empty.JPEG"}));
}

// The fuzzer's finding: a header announcing about 63000 x 63000 pixels made the decoder ask for
// 12 GB.
TEST(JpegDecoder, ForgedHugeSizeIsAnErrorNotAnAllocation) {
    std::vector<uint8_t> bytes = testing::jpeg_bytes(testing::pattern_image(16, 16, 3, 5));
    size_t sof = 2;
    while (sof + 9 < bytes.size() && !(bytes[sof] == 0xFF && bytes[sof + 1] == 0xC0))
        ++sof;
    ASSERT_LT(sof + 9, bytes.size()) << "no baseline SOF marker in the encoded test image";
    for (size_t i = sof + 5; i < sof + 9; i += 2) {  // height, width = 60000
        bytes[i] = 0xEA;
        bytes[i + 1] = 0x60;
    }
    Image im;
    EXPECT_TRUE(throws_with([&] { decode_jpeg(bytes, "huge.JPEG", im); },
                            {"huge.JPEG", "60000 x 60000", "downscale"}));
    testing::TempDir dir("jpeg_huge");
    testing::write_file(dir / "huge.JPEG", bytes);
    std::string why;
    EXPECT_FALSE(jpeg_header_ok(dir / "huge.JPEG", why));
    EXPECT_NE(why.find("60000 x 60000"), std::string::npos) << why;
}

TEST(JpegDecoder, HeaderCheck) {
    testing::TempDir dir("jpeg");
    std::vector<uint8_t> good = testing::jpeg_bytes(testing::pattern_image(64, 64, 3, 5));
    testing::write_file(dir / "good.JPEG", good);
    testing::write_file(dir / "junk.JPEG", std::vector<uint8_t>(100, 1));
    testing::write_file(dir / "empty.JPEG", {});
    good.resize(good.size() / 2);
    testing::write_file(dir / "cut.JPEG", good);
    std::string why;
    EXPECT_TRUE(jpeg_header_ok(dir / "good.JPEG", why));
    EXPECT_TRUE(jpeg_header_ok(dir / "cut.JPEG", why));  // the damage is past the header
    EXPECT_FALSE(jpeg_header_ok(dir / "junk.JPEG", why));
    EXPECT_NE(why.find("Not a JPEG file"), std::string::npos) << why;
    EXPECT_FALSE(jpeg_header_ok(dir / "empty.JPEG", why));
    EXPECT_EQ(why, "empty file");
    EXPECT_FALSE(jpeg_header_ok(dir / "missing.JPEG", why));
}

}  // namespace
}  // namespace mdq::data
