// Writers of small datasets in the official on-disk formats, for the data tests: IDX (plain
// and gzip), CIFAR-10/100 binary records, JPEG files (libjpeg), and TinyImageNet- and
// ImageNet-shaped folders. Everything goes under a TempDir that removes itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/file_bytes.h"
#include "data/image.h"
#include "data/splits.h"

// Skips the test when the real Fashion-MNIST (Debian package dataset-fashion-mnist) is absent.
#define SKIP_WITHOUT_FASHION_MNIST()                                                  \
    do {                                                                              \
        if (!::mdq::data::dir_exists(::mdq::data::default_data_dir("fashion-mnist"))) \
            GTEST_SKIP() << ::mdq::data::default_data_dir("fashion-mnist")            \
                         << " is absent (apt-get install dataset-fashion-mnist)";     \
    } while (0)

namespace mdq::testing {

class TempDir {
  public:
    explicit TempDir(const std::string& tag);
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

  private:
    std::string path_;
};

void write_file(const std::string& path, const std::vector<uint8_t>& bytes);
void write_text(const std::string& path, const std::string& text);
void write_gzip(const std::string& path, const std::vector<uint8_t>& bytes);

// An IDX file of unsigned bytes: magic 0x0000080N, big-endian dims, then `payload`.
std::vector<uint8_t> idx_bytes(const std::vector<uint32_t>& dims,
                               const std::vector<uint8_t>& payload);

// A deterministic pseudo-random image (same seed, same pixels).
data::Image pattern_image(int64_t height, int64_t width, int64_t channels, uint32_t seed);
data::Image flat_image(int64_t height, int64_t width, uint8_t r, uint8_t g, uint8_t b);

// One CIFAR record: [coarse,] label, then the 32x32x3 HWC image as CHW planes.
void append_cifar_record(std::vector<uint8_t>& out, const data::Image& image, uint8_t label,
                         int coarse_label = -1);

// Encodes `image` (1 or 3 channels; 4 = CMYK) with libjpeg at `quality`.
std::vector<uint8_t> jpeg_bytes(const data::Image& image, int quality = 100);
void write_jpeg(const std::string& path, const data::Image& image, int quality = 100);

// The colour of image k of class c in the generated folders: flat, distinct per (c, k).
data::Image folder_image(int64_t class_index, int64_t k, int64_t height, int64_t width);

// A tiny-imagenet-200 shaped tree under root: wnids.txt (listed unsorted), train/<wnid>/
// images/<wnid>_<k>.JPEG with <wnid>_boxes.txt, val/images/val_<i>.JPEG and
// val/val_annotations.txt. Val image i belongs to class (i * 7) % classes.
void make_tinyimagenet(const std::string& root, const std::vector<std::string>& wnids,
                       int64_t train_per_class, int64_t val_images);
// root/{train,val}/<wnid>/*.JPEG with images of varying size.
void make_imagenet(const std::string& root, const std::vector<std::string>& wnids,
                   int64_t train_per_class, int64_t val_per_class);

}  // namespace mdq::testing
