// CIFAR-10 and CIFAR-100, binary version. A CIFAR-10 record is 1 label byte + 3072 pixel
// bytes (1024 red, 1024 green, 1024 blue, each 32x32 row-major); a CIFAR-100 record has a
// coarse and a fine label byte before the pixels, and the fine label (100 classes) is used.
// The files are read once, validated and kept in memory as HWC pixels.
#pragma once

#include <string>
#include <vector>

#include "data/dataset.h"

namespace mdq::data {

enum class CifarKind { Cifar10, Cifar100 };

class CifarDataset final : public Dataset {
  public:
    static constexpr int64_t kSide = 32;
    static constexpr int64_t kPixelBytes = kSide * kSide * 3;

    // Concatenates the records of `files` in the order given.
    CifarDataset(CifarKind kind, const std::vector<std::string>& files);

    int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
    int64_t num_classes() const override { return kind_ == CifarKind::Cifar10 ? 10 : 100; }
    ImageShape image_shape() const override { return {kSide, kSide, 3}; }
    int64_t label(int64_t index) const override;
    int64_t read(int64_t index, Image& image) const override;
    std::string description() const override { return description_; }

    // Bytes per record: 3073 for CIFAR-10, 3074 for CIFAR-100.
    static int64_t record_bytes(CifarKind kind);

  private:
    void append_file(const std::string& path);

    CifarKind kind_;
    std::string description_;
    std::vector<uint8_t> pixels_;  // size() * kPixelBytes, HWC
    std::vector<uint8_t> labels_;
};

}  // namespace mdq::data
