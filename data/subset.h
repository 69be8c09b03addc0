// A view of some examples of another dataset, in the order of `indices` (train/val splits).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace mdq::data {

class Subset final : public Dataset {
  public:
    Subset(std::shared_ptr<const Dataset> base, std::vector<int64_t> indices, std::string name);
    // Examples [begin, end) of base.
    static std::shared_ptr<Subset> range(std::shared_ptr<const Dataset> base, int64_t begin,
                                         int64_t end, std::string name);

    int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
    int64_t num_classes() const override { return base_->num_classes(); }
    ImageShape image_shape() const override { return base_->image_shape(); }
    int64_t label(int64_t index) const override { return base_->label(base_index(index)); }
    int64_t read(int64_t index, Image& image) const override {
        return base_->read(base_index(index), image);
    }
    int64_t skipped() const override { return base_->skipped(); }
    std::string description() const override;

    // The index in the base dataset of example `index`.
    int64_t base_index(int64_t index) const;
    const Dataset& base() const { return *base_; }

  private:
    std::shared_ptr<const Dataset> base_;
    std::vector<int64_t> indices_;
    std::string name_;
};

}  // namespace mdq::data
