#include "data/transforms.h"

#include <cmath>

#include "core/error.h"
#include "data/resample.h"

namespace mdq::data {

namespace {

ImageShape square(int64_t size, const ImageShape& in) {
    return {size, size, in.channels};
}

// Python's round(): half to even (the default floating-point rounding mode).
int64_t round_even(double v) {
    return static_cast<int64_t>(std::nearbyint(v));
}

// JPEG sides stop at 65535; a larger size (or padding) is a typo, and its pixel count could
// overflow the image geometry.
constexpr int64_t kMaxSide = 1 << 16;

void check_size(const char* what, int64_t size) {
    MDQ_CHECK(size > 0 && size <= kMaxSide, what, ": size must be in [1, ", kMaxSide, "], got ",
              size);
}

// Torchvision's Resize: the shorter side becomes `size`, the other is truncated.
std::pair<int64_t, int64_t> resized(int64_t size, int64_t h, int64_t w) {
    if (h <= w) return {size, size * w / h};
    return {size * h / w, size};
}

}  // namespace

RandomCrop::RandomCrop(int64_t size, int64_t padding) : size_(size), padding_(padding) {
    check_size("RandomCrop", size);
    MDQ_CHECK(padding >= 0 && padding <= kMaxSide, "RandomCrop: padding must be in [0, ", kMaxSide,
              "], got ", padding);
}

ImageShape RandomCrop::output_shape(const ImageShape& in) const {
    return square(size_, in);
}

void RandomCrop::apply(const Image& in, Image& out, PhiloxStream& rng) const {
    const int64_t h = in.shape.height + 2 * padding_, w = in.shape.width + 2 * padding_;
    MDQ_CHECK(h >= size_ && w >= size_, name(), ": a ", in.shape.height, "x", in.shape.width,
              " image is smaller than the crop even after padding");
    const int64_t top = rng.between(0, h - size_);
    const int64_t left = rng.between(0, w - size_);
    crop_zero_fill(in, {top - padding_, left - padding_, size_, size_}, out);
}

std::string RandomCrop::name() const {
    return "RandomCrop(" + std::to_string(size_) + ", padding=" + std::to_string(padding_) + ")";
}

RandomHorizontalFlip::RandomHorizontalFlip(float p) : p_(p) {
    MDQ_CHECK(p >= 0.f && p <= 1.f, "RandomHorizontalFlip: p must be in [0, 1], got ", p);
}

void RandomHorizontalFlip::apply(const Image& in, Image& out, PhiloxStream& rng) const {
    if (rng.coin(p_)) {
        flip_horizontal(in, out);
    } else {
        out = in;
    }
}

std::string RandomHorizontalFlip::name() const {
    return "RandomHorizontalFlip(p=" + std::to_string(p_) + ")";
}

RandomResizedCrop::RandomResizedCrop(int64_t size, std::pair<double, double> scale,
                                     std::pair<double, double> ratio)
    : size_(size), scale_(scale), ratio_(ratio) {
    check_size("RandomResizedCrop", size);
    MDQ_CHECK(scale.first > 0 && scale.first <= scale.second && scale.second <= 1.0,
              "RandomResizedCrop: scale must satisfy 0 < min <= max <= 1, got (", scale.first, ", ",
              scale.second, ")");
    MDQ_CHECK(ratio.first > 0 && ratio.first <= ratio.second,
              "RandomResizedCrop: ratio must satisfy 0 < min <= max, got (", ratio.first, ", ",
              ratio.second, ")");
}

ImageShape RandomResizedCrop::output_shape(const ImageShape& in) const {
    return square(size_, in);
}

void RandomResizedCrop::apply(const Image& in, Image& out, PhiloxStream& rng) const {
    const int64_t height = in.shape.height, width = in.shape.width;
    const double area = static_cast<double>(height * width);
    const double log_lo = std::log(ratio_.first), log_hi = std::log(ratio_.second);
    for (int attempt = 0; attempt < 10; ++attempt) {
        const double target = area * rng.uniform(scale_.first, scale_.second);
        const double aspect = std::exp(rng.uniform(log_lo, log_hi));
        const int64_t w = round_even(std::sqrt(target * aspect));
        const int64_t h = round_even(std::sqrt(target / aspect));
        if (w > 0 && h > 0 && w <= width && h <= height) {
            const int64_t top = rng.between(0, height - h);
            const int64_t left = rng.between(0, width - w);
            resize_bilinear(in, {top, left, h, w}, size_, size_, out);
            return;
        }
    }
    const double in_ratio = static_cast<double>(width) / static_cast<double>(height);
    int64_t w = width, h = height;
    if (in_ratio < ratio_.first) {
        h = round_even(static_cast<double>(w) / ratio_.first);
    } else if (in_ratio > ratio_.second) {
        w = round_even(static_cast<double>(h) * ratio_.second);
    }
    resize_bilinear(in, {(height - h) / 2, (width - w) / 2, h, w}, size_, size_, out);
}

std::string RandomResizedCrop::name() const {
    return "RandomResizedCrop(" + std::to_string(size_) + ")";
}

Resize::Resize(int64_t size) : size_(size) {
    check_size("Resize", size);
}

ImageShape Resize::output_shape(const ImageShape& in) const {
    if (in.height <= 0 || in.width <= 0) return {0, 0, in.channels};
    const auto [h, w] = resized(size_, in.height, in.width);
    return {h, w, in.channels};
}

void Resize::apply(const Image& in, Image& out, PhiloxStream&) const {
    const auto [h, w] = resized(size_, in.shape.height, in.shape.width);
    resize_bilinear(in, {0, 0, in.shape.height, in.shape.width}, h, w, out);
}

std::string Resize::name() const {
    return "Resize(" + std::to_string(size_) + ")";
}

CenterCrop::CenterCrop(int64_t size) : size_(size) {
    check_size("CenterCrop", size);
}

ImageShape CenterCrop::output_shape(const ImageShape& in) const {
    return square(size_, in);
}

void CenterCrop::apply(const Image& in, Image& out, PhiloxStream&) const {
    // A smaller image is padded by floor(d/2) before and ceil(d/2) after, as torchvision does.
    auto offset = [&](int64_t extent) {
        const int64_t d = extent - size_;
        return d >= 0 ? round_even(static_cast<double>(d) / 2.0) : -((-d) / 2);
    };
    crop_zero_fill(in, {offset(in.shape.height), offset(in.shape.width), size_, size_}, out);
}

std::string CenterCrop::name() const {
    return "CenterCrop(" + std::to_string(size_) + ")";
}

}  // namespace mdq::data
