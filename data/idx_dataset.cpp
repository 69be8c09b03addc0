#include "data/idx_dataset.h"

#include <cstring>
#include <iomanip>
#include <sstream>

#include "core/error.h"
#include "core/shape.h"
#include "data/file_bytes.h"

namespace mdq::data {

namespace {

constexpr uint8_t kUnsignedByte = 0x08;

uint32_t big_endian32(const uint8_t* p) {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

std::string hex32(uint32_t v) {
    std::ostringstream os;
    os << "0x" << std::hex << std::setw(8) << std::setfill('0') << v;
    return os.str();
}

// Checks the header of an IDX file of unsigned bytes with `ndims` dimensions and returns the
// dimensions; the header is 4 + 4 * ndims bytes long.
Shape parse_header(const std::vector<uint8_t>& bytes, const std::string& path, int ndims) {
    const size_t header = 4 + 4 * static_cast<size_t>(ndims);
    const uint32_t expected_magic = (uint32_t{kUnsignedByte} << 8) | static_cast<uint32_t>(ndims);
    auto too_short = [&] {
        MDQ_THROW(IoError, path, ": truncated IDX file: ", bytes.size(),
                  " bytes, expected at least a ", header, "-byte header");
    };
    if (bytes.size() < 4) too_short();
    const uint32_t magic = big_endian32(bytes.data());
    if (magic != expected_magic)
        MDQ_THROW(IoError, path, ": bad IDX magic number ", hex32(magic), ", expected ",
                  hex32(expected_magic), " (unsigned bytes, ", ndims, " dimensions)");
    if (bytes.size() < header) too_short();
    Shape dims;
    for (int d = 0; d < ndims; ++d) {
        const uint32_t v = big_endian32(bytes.data() + 4 + 4 * d);
        if (v == 0 || v > (1u << 30))
            MDQ_THROW(IoError, path, ": IDX dimension ", d, " is ", v, ", expected 1 to 2^30");
        dims.push_back(v);
    }
    // Each dimension is at most 2^30, but their product can exceed any file (and 64 bits):
    // stop multiplying once it passes the file size.
    size_t pixels = 1;
    for (int64_t d : dims) {
        pixels *= static_cast<size_t>(d);
        if (pixels > bytes.size())
            MDQ_THROW(IoError, path, ": truncated IDX file: the header says ", dims,
                      ", more bytes than the whole file's ", bytes.size());
    }
    const size_t expected = header + pixels;
    if (bytes.size() != expected)
        MDQ_THROW(IoError, path, ": ", bytes.size() < expected ? "truncated" : "oversized",
                  " IDX file: the header says ", dims, " so ", expected, " bytes, found ",
                  bytes.size(), " bytes", bytes.size() < expected ? "" : " (trailing data)");
    return dims;
}

}  // namespace

IdxDataset::IdxDataset(const std::string& images_path, const std::string& labels_path,
                       int64_t num_classes)
    : images_path_(images_path), num_classes_(num_classes) {
    MDQ_CHECK(num_classes > 0 && num_classes <= 256, "IdxDataset: num_classes ", num_classes,
              " must be in [1, 256]");
    images_ = read_file_bytes(images_path);
    const Shape idims = parse_header(images_, images_path, 3);
    labels_ = read_file_bytes(labels_path);
    const Shape ldims = parse_header(labels_, labels_path, 1);
    images_offset_ = 16;
    labels_offset_ = 8;
    if (idims[0] != ldims[0])
        MDQ_THROW(IoError, images_path, " holds ", idims[0], " images but ", labels_path, " holds ",
                  ldims[0], " labels; expected the same count");
    count_ = idims[0];
    shape_ = {idims[1], idims[2], 1};
    for (int64_t i = 0; i < count_; ++i) {
        const int64_t y = labels_[labels_offset_ + static_cast<size_t>(i)];
        if (y >= num_classes_)
            MDQ_THROW(IoError, labels_path, ": label of example ", i, " is ", y,
                      ", expected a class in [0, ", num_classes_, ")");
    }
}

int64_t IdxDataset::label(int64_t index) const {
    check_index(*this, index);
    return labels_[labels_offset_ + static_cast<size_t>(index)];
}

int64_t IdxDataset::read(int64_t index, Image& image) const {
    const int64_t y = label(index);
    image.resize(shape_.height, shape_.width, 1);
    const size_t n = static_cast<size_t>(shape_.numel());
    std::memcpy(image.data(), images_.data() + images_offset_ + n * static_cast<size_t>(index), n);
    return y;
}

}  // namespace mdq::data
