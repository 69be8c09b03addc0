// Conv2dOptions in one call, shared by conv2d_test.cpp and conv2d_cuda_test.cpp.
#pragma once

#include "layers/conv2d.h"

namespace mdq::conv2d_test {

inline Conv2dOptions opts(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad,
                          int64_t groups = 1, bool bias = true) {
    Conv2dOptions o(in, out, k);
    o.stride = stride;
    o.padding = pad;
    o.groups = groups;
    o.bias = bias;
    return o;
}

}  // namespace mdq::conv2d_test
