// Labels from a list, shared by loss_test.cpp and loss_cuda_test.cpp.
#pragma once

#include <vector>

#include "tests/testing/test_util.h"

namespace mdq::loss_test {

inline Tensor labels_of(const std::vector<int64_t>& v) {
    return Tensor::from_vector<int64_t>(v, {static_cast<int64_t>(v.size())});
}

}  // namespace mdq::loss_test
