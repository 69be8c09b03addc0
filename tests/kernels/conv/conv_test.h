// The conv2d cases shared by conv_test.cpp and conv_cuda_test.cpp: stride, padding, dilation,
// groups, depthwise, non-square inputs, 1x1 and whole-input kernels, with their bias operands.
#pragma once

#include <vector>

#include "kernels/conv/conv.h"
#include "tests/testing/test_util.h"

namespace mdq::conv_test {

inline Conv2dArgs geom(int64_t stride, int64_t pad, int64_t dil = 1, int64_t groups = 1) {
    Conv2dArgs a;
    a.stride_h = a.stride_w = stride;
    a.pad_h = a.pad_w = pad;
    a.dilation_h = a.dilation_w = dil;
    a.groups = groups;
    return a;
}

struct Case {
    Shape x, w;
    Conv2dArgs a;
    bool bias;
};

// Stride, padding, dilation, groups, depthwise (with a channel multiplier), non-square inputs,
// 1x1 fast paths, and a kernel exactly as large as the padded input.
inline std::vector<Case> cases() {
    Conv2dArgs asym = geom(1, 0);
    asym.stride_w = 2;
    asym.pad_h = 2;
    return {
        {{2, 5, 7, 3}, {4, 3, 3, 3}, geom(1, 1), true},
        {{2, 6, 5, 4}, {6, 3, 3, 4}, geom(2, 1), false},
        {{1, 9, 8, 2}, {3, 3, 2, 2}, geom(1, 2, 2), true},
        {{2, 5, 5, 6}, {6, 3, 3, 2}, geom(1, 1, 1, 3), true},
        {{2, 7, 6, 4}, {4, 3, 3, 1}, geom(2, 1, 1, 4), false},
        {{1, 5, 5, 3}, {6, 3, 3, 1}, geom(1, 1, 1, 3), true},
        {{3, 4, 5, 5}, {7, 1, 1, 5}, geom(1, 0), true},
        {{2, 5, 4, 4}, {3, 1, 1, 4}, geom(2, 0), false},
        {{2, 6, 7, 3}, {2, 4, 2, 3}, asym, true},
        {{1, 3, 3, 2}, {2, 5, 5, 2}, geom(1, 1), false},
    };
}

inline Tensor maybe_bias(const Case& c, uint64_t seed, DType dt = DType::F32) {
    return c.bias ? testing::random_tensor({c.w[0]}, seed, -1, 1, dt) : Tensor();
}

}  // namespace mdq::conv_test
