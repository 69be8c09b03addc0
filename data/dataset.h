// The Dataset interface: a fixed list of labelled images that any thread may read.
// Implementations: IdxDataset (MNIST, Fashion-MNIST), CifarDataset (CIFAR-10/100),
// ImageFolderDataset (ImageNet, TinyImageNet) and Subset (a split of another dataset).
#pragma once

#include <cstdint>
#include <string>

#include "data/image.h"

namespace mdq::data {

class Dataset {
  public:
    virtual ~Dataset() = default;

    virtual int64_t size() const = 0;
    virtual int64_t num_classes() const = 0;
    // Geometry of every example; a 0 field varies from example to example.
    virtual ImageShape image_shape() const = 0;
    // Class of example i in [0, num_classes), without decoding it.
    virtual int64_t label(int64_t index) const = 0;
    // Writes example i's pixels (uint8 HWC) into `image`, reusing its buffer, and returns its
    // label. Must be safe to call from several threads at once.
    virtual int64_t read(int64_t index, Image& image) const = 0;
    // Examples that could not be decoded and were replaced (ImageFolderDataset); else 0.
    virtual int64_t skipped() const { return 0; }
    // For messages: the dataset and where it was read from.
    virtual std::string description() const = 0;
};

// Throws ValueError naming the dataset unless 0 <= index < ds.size().
void check_index(const Dataset& ds, int64_t index);

}  // namespace mdq::data
