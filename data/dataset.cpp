#include "data/dataset.h"

#include "core/error.h"

namespace mdq::data {

void check_index(const Dataset& ds, int64_t index) {
    MDQ_CHECK(index >= 0 && index < ds.size(), ds.description(), ": example ", index,
              " out of range [0, ", ds.size(), ")");
}

}  // namespace mdq::data
