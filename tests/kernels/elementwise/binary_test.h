// The binary-op cases shared by binary_test.cpp and binary_cuda_test.cpp: each op with its
// f64 formula, and the broadcast shape pairs.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "tests/testing/test_util.h"

namespace mdq::binary_test {

using BinFn = std::function<Tensor(const Tensor&, const Tensor&)>;

struct BinCase {
    const char* name;
    BinFn f;
    double (*ref)(double, double);
};

inline const std::vector<BinCase>& cases() {
    static const std::vector<BinCase> c = {
        {"add", [](const Tensor& a, const Tensor& b) { return a + b; },
         [](double a, double b) { return a + b; }},
        {"add_alpha", [](const Tensor& a, const Tensor& b) { return add(a, b, -0.5); },
         [](double a, double b) { return a - 0.5 * b; }},
        {"sub", [](const Tensor& a, const Tensor& b) { return a - b; },
         [](double a, double b) { return a - b; }},
        {"mul", [](const Tensor& a, const Tensor& b) { return a * b; },
         [](double a, double b) { return a * b; }},
        {"div", [](const Tensor& a, const Tensor& b) { return a / b; },
         [](double a, double b) { return a / b; }},
        {"maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); },
         [](double a, double b) { return std::max(a, b); }},
        {"minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); },
         [](double a, double b) { return std::min(a, b); }},
    };
    return c;
}

inline const std::vector<std::pair<Shape, Shape>>& shape_pairs() {
    static const std::vector<std::pair<Shape, Shape>> s = {{{5}, {5}},       {{2, 3}, {3}},
                                                           {{4, 1}, {1, 3}}, {{2, 1, 3}, {2, 4, 1}},
                                                           {{3}, {}},        {{}, {2, 2}}};
    return s;
}

}  // namespace mdq::binary_test
