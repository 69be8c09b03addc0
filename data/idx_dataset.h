// IDX files (MNIST, Fashion-MNIST): an images file of unsigned bytes [N, rows, cols] and a
// labels file [N], each plain or gzip-compressed. The magic numbers, dimensions, byte counts
// and label range are checked when the files are loaded; everything is kept in memory.
#pragma once

#include <string>
#include <vector>

#include "data/dataset.h"

namespace mdq::data {

class IdxDataset final : public Dataset {
  public:
    IdxDataset(const std::string& images_path, const std::string& labels_path,
               int64_t num_classes = 10);

    int64_t size() const override { return count_; }
    int64_t num_classes() const override { return num_classes_; }
    ImageShape image_shape() const override { return shape_; }
    int64_t label(int64_t index) const override;
    int64_t read(int64_t index, Image& image) const override;
    std::string description() const override { return "IDX images " + images_path_; }

  private:
    std::string images_path_;
    int64_t num_classes_;
    int64_t count_ = 0;
    ImageShape shape_;
    std::vector<uint8_t> images_;  // the whole file, header included
    std::vector<uint8_t> labels_;
    size_t images_offset_ = 0, labels_offset_ = 0;
};

}  // namespace mdq::data
