// The pooling cases shared by pool_test.cpp and pool_cuda_test.cpp: max, average (with and
// without the padding count) and adaptive pooling on awkward shapes, with their geometry.
#pragma once

#include <functional>
#include <vector>

#include "kernels/pool/pool.h"
#include "tests/testing/test_util.h"

namespace mdq::pool_test {

inline Pool2dArgs pool_args(int64_t k, int64_t s, int64_t p, bool include_pad = true) {
    Pool2dArgs a;
    a.kernel_h = a.kernel_w = k;
    a.stride_h = a.stride_w = s;
    a.pad_h = a.pad_w = p;
    a.count_include_pad = include_pad;
    return a;
}

struct Case {
    const char* name;
    Shape x;
    std::function<Tensor(const Tensor&)> f;
    std::function<PoolGeometry(const Shape&)> geometry;
};

inline std::vector<Case> cases() {
    auto fixed = [](PoolKind k, Pool2dArgs a) {
        return [k, a](const Shape& s) { return pool2d_geometry(k, s, a, "test"); };
    };
    auto adaptive = [](int64_t oh, int64_t ow) {
        return [oh, ow](const Shape& s) { return adaptive_pool2d_geometry(s, oh, ow, "test"); };
    };
    const Pool2dArgs a22 = pool_args(2, 2, 0), a32 = pool_args(3, 2, 1), a31 = pool_args(3, 1, 1);
    const Pool2dArgs a32x = pool_args(3, 2, 1, false);
    return {
        {"max 2x2/2",
         {2, 6, 7, 3},
         [a22](const Tensor& t) { return max_pool2d(t, a22); },
         fixed(PoolKind::Max, a22)},
        {"max 3x3/2 pad 1",
         {2, 7, 5, 4},
         [a32](const Tensor& t) { return max_pool2d(t, a32); },
         fixed(PoolKind::Max, a32)},
        {"avg 2x2/2",
         {1, 5, 6, 5},
         [a22](const Tensor& t) { return avg_pool2d(t, a22); },
         fixed(PoolKind::Avg, a22)},
        {"avg 3x3/1 pad 1",
         {2, 4, 5, 3},
         [a31](const Tensor& t) { return avg_pool2d(t, a31); },
         fixed(PoolKind::Avg, a31)},
        {"avg 3x3/2 pad 1 no pad count",
         {2, 6, 5, 2},
         [a32x](const Tensor& t) { return avg_pool2d(t, a32x); },
         fixed(PoolKind::Avg, a32x)},
        {"adaptive 5x7 -> 3x2",
         {2, 5, 7, 3},
         [](const Tensor& t) { return adaptive_avg_pool2d(t, 3, 2); },
         adaptive(3, 2)},
        {"adaptive 3x3 -> 5x4 (upsampling windows)",
         {1, 3, 3, 2},
         [](const Tensor& t) { return adaptive_avg_pool2d(t, 5, 4); },
         adaptive(5, 4)},
        {"global",
         {3, 4, 4, 5},
         [](const Tensor& t) { return adaptive_avg_pool2d(t, 1, 1); },
         adaptive(1, 1)},
    };
}

}  // namespace mdq::pool_test
