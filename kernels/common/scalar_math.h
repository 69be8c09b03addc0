// Overloads of the C math functions for float and double that compile for host and device,
// so templated math headers can be written once for both precisions.
#pragma once

#include <math.h>

#include <cstdint>

#include "core/hd.h"

namespace mdq::math {

MDQ_HD float m_exp(float x) {
    return ::expf(x);
}
MDQ_HD double m_exp(double x) {
    return ::exp(x);
}
MDQ_HD float m_log(float x) {
    return ::logf(x);
}
MDQ_HD double m_log(double x) {
    return ::log(x);
}
MDQ_HD float m_log1p(float x) {
    return ::log1pf(x);
}
MDQ_HD double m_log1p(double x) {
    return ::log1p(x);
}
MDQ_HD float m_sqrt(float x) {
    return ::sqrtf(x);
}
MDQ_HD double m_sqrt(double x) {
    return ::sqrt(x);
}
MDQ_HD float m_tanh(float x) {
    return ::tanhf(x);
}
MDQ_HD double m_tanh(double x) {
    return ::tanh(x);
}
MDQ_HD float m_cosh(float x) {
    return ::coshf(x);
}
MDQ_HD double m_cosh(double x) {
    return ::cosh(x);
}
MDQ_HD float m_sinh(float x) {
    return ::sinhf(x);
}
MDQ_HD double m_sinh(double x) {
    return ::sinh(x);
}
MDQ_HD float m_pow(float x, float y) {
    return ::powf(x, y);
}
MDQ_HD double m_pow(double x, double y) {
    return ::pow(x, y);
}
MDQ_HD float m_abs(float x) {
    return ::fabsf(x);
}
MDQ_HD double m_abs(double x) {
    return ::fabs(x);
}
MDQ_HD float m_cos(float x) {
    return ::cosf(x);
}
MDQ_HD double m_cos(double x) {
    return ::cos(x);
}
MDQ_HD float m_floor(float x) {
    return ::floorf(x);
}
MDQ_HD double m_floor(double x) {
    return ::floor(x);
}
MDQ_HD int32_t m_abs(int32_t x) {
    return x < 0 ? -x : x;
}
MDQ_HD int64_t m_abs(int64_t x) {
    return x < 0 ? -x : x;
}
MDQ_HD uint8_t m_abs(uint8_t x) {
    return x;
}

template <class T>
MDQ_HD bool m_isnan(T x) {
    return x != x;
}
template <class T>
MDQ_HD T m_max(T a, T b) {
    return a > b ? a : b;
}
template <class T>
MDQ_HD T m_min(T a, T b) {
    return a < b ? a : b;
}

}  // namespace mdq::math
