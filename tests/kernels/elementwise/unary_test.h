// The unary-op cases shared by unary_test.cpp and unary_cuda_test.cpp: each op with its f64
// formula and input range.
#pragma once

#include <cmath>
#include <functional>
#include <vector>

#include "tests/testing/test_util.h"

namespace mdq::unary_test {

struct UnaryCase {
    const char* name;
    std::function<Tensor(const Tensor&)> f;
    double (*ref)(double);
    double lo, hi;  // input range for random checks
};

inline double ref_sigmoid(double x) {
    return 1 / (1 + std::exp(-x));
}

inline double ref_relu(double x) {
    return x > 0 ? x : 0;
}

inline double ref_relu6(double x) {
    return std::min(std::max(x, 0.0), 6.0);
}

inline double ref_sign(double x) {
    return x > 0 ? 1 : (x < 0 ? -1 : 0);
}

inline double ref_pow(double x) {
    return std::pow(x, 2.5);
}

inline double ref_clamp(double x) {
    return std::min(std::max(x, -0.5), 0.25);
}

inline double ref_affine(double x) {
    return 3 * x + 1;
}

inline double ref_rdiv(double x) {
    return 2 / x;
}

inline double ref_neg(double x) {
    return -x;
}

inline const std::vector<UnaryCase>& cases() {
    static const std::vector<UnaryCase> c = {
        {"neg", [](const Tensor& x) { return -x; }, ref_neg, -3, 3},
        {"abs", [](const Tensor& x) { return abs(x); }, [](double x) { return std::fabs(x); }, -3,
         3},
        {"exp", [](const Tensor& x) { return exp(x); }, [](double x) { return std::exp(x); }, -3,
         3},
        {"log", [](const Tensor& x) { return log(x); }, [](double x) { return std::log(x); }, 0.1,
         4},
        {"sqrt", [](const Tensor& x) { return sqrt(x); }, [](double x) { return std::sqrt(x); },
         0.1, 4},
        {"tanh", [](const Tensor& x) { return tanh(x); }, [](double x) { return std::tanh(x); }, -3,
         3},
        {"sigmoid", [](const Tensor& x) { return sigmoid(x); }, ref_sigmoid, -8, 8},
        {"relu", [](const Tensor& x) { return relu(x); }, ref_relu, -3, 3},
        {"relu6", [](const Tensor& x) { return relu6(x); }, ref_relu6, -3, 9},
        {"sign", [](const Tensor& x) { return sign(x); }, ref_sign, -3, 3},
        {"pow", [](const Tensor& x) { return pow(x, 2.5); }, ref_pow, 0.1, 3},
        {"clamp", [](const Tensor& x) { return clamp(x, -0.5, 0.25); }, ref_clamp, -1, 1},
        {"affine", [](const Tensor& x) { return x * 3.0 + 1.0; }, ref_affine, -3, 3},
        {"rdiv", [](const Tensor& x) { return 2.0 / x; }, ref_rdiv, 0.5, 3},
    };
    return c;
}

}  // namespace mdq::unary_test
