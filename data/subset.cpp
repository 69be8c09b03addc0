#include "data/subset.h"

#include <numeric>

#include "core/error.h"

namespace mdq::data {

Subset::Subset(std::shared_ptr<const Dataset> base, std::vector<int64_t> indices, std::string name)
    : base_(std::move(base)), indices_(std::move(indices)), name_(std::move(name)) {
    MDQ_CHECK(base_ != nullptr, "Subset ", name_, ": null base dataset");
    for (int64_t i : indices_)
        MDQ_CHECK(i >= 0 && i < base_->size(), "Subset ", name_, ": index ", i,
                  " outside the base dataset's [0, ", base_->size(), ")");
}

std::shared_ptr<Subset> Subset::range(std::shared_ptr<const Dataset> base, int64_t begin,
                                      int64_t end, std::string name) {
    MDQ_CHECK(base != nullptr, "Subset::range ", name, ": null base dataset");
    MDQ_CHECK(0 <= begin && begin <= end && end <= base->size(), "Subset::range ", name, ": [",
              begin, ", ", end, ") is not inside [0, ", base->size(), ")");
    std::vector<int64_t> indices(static_cast<size_t>(end - begin));
    std::iota(indices.begin(), indices.end(), begin);
    return std::make_shared<Subset>(std::move(base), std::move(indices), std::move(name));
}

int64_t Subset::base_index(int64_t index) const {
    check_index(*this, index);
    return indices_[static_cast<size_t>(index)];
}

std::string Subset::description() const {
    return name_ + " (" + std::to_string(size()) + " examples of " + base_->description() + ")";
}

}  // namespace mdq::data
