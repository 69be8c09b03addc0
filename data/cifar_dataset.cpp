#include "data/cifar_dataset.h"

#include <cstring>

#include "core/error.h"
#include "data/file_bytes.h"

namespace mdq::data {

int64_t CifarDataset::record_bytes(CifarKind kind) {
    return (kind == CifarKind::Cifar10 ? 1 : 2) + kPixelBytes;
}

CifarDataset::CifarDataset(CifarKind kind, const std::vector<std::string>& files) : kind_(kind) {
    MDQ_CHECK(!files.empty(), "CifarDataset: no files given");
    description_ = std::string(kind == CifarKind::Cifar10 ? "CIFAR-10" : "CIFAR-100") + " " +
                   files.front() + (files.size() > 1 ? " ..." : "");
    for (const std::string& f : files)
        append_file(f);
}

void CifarDataset::append_file(const std::string& path) {
    std::vector<uint8_t> bytes;
    read_raw_file(path, bytes);
    const int64_t rec = record_bytes(kind_);
    const int64_t n = static_cast<int64_t>(bytes.size());
    if (n == 0 || n % rec != 0) {
        const int64_t whole = n / rec;
        MDQ_THROW(IoError, path, ": truncated CIFAR file: ", n, " bytes is not a whole number of ",
                  rec, "-byte records (", rec - kPixelBytes,
                  " label byte(s) + 3072 pixel bytes); expected ", (whole + 1) * rec, " bytes for ",
                  whole + 1, " records");
    }
    const int64_t records = n / rec;
    const size_t first = labels_.size();
    labels_.resize(first + static_cast<size_t>(records));
    pixels_.resize(labels_.size() * static_cast<size_t>(kPixelBytes));
    constexpr int64_t plane = kSide * kSide;
    for (int64_t r = 0; r < records; ++r) {
        const uint8_t* src = bytes.data() + r * rec;
        if (kind_ == CifarKind::Cifar100 && src[0] >= 20)
            MDQ_THROW(IoError, path, ": record ", r, " has coarse label ", int{src[0]},
                      ", expected a class in [0, 20)");
        const int64_t y = src[rec - kPixelBytes - 1];
        if (y >= num_classes())
            MDQ_THROW(IoError, path, ": record ", r, " has label ", y, ", expected a class in [0, ",
                      num_classes(), ")");
        labels_[first + static_cast<size_t>(r)] = static_cast<uint8_t>(y);
        // CHW planes -> HWC.
        const uint8_t* chw = src + (rec - kPixelBytes);
        uint8_t* hwc = pixels_.data() + (first + static_cast<size_t>(r)) * kPixelBytes;
        for (int64_t p = 0; p < plane; ++p)
            for (int64_t c = 0; c < 3; ++c)
                hwc[p * 3 + c] = chw[c * plane + p];
    }
}

int64_t CifarDataset::label(int64_t index) const {
    check_index(*this, index);
    return labels_[static_cast<size_t>(index)];
}

int64_t CifarDataset::read(int64_t index, Image& image) const {
    const int64_t y = label(index);
    image.resize(kSide, kSide, 3);
    std::memcpy(image.data(), pixels_.data() + static_cast<size_t>(index) * kPixelBytes,
                kPixelBytes);
    return y;
}

}  // namespace mdq::data
