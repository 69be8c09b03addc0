#include "data/resample.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/error.h"

namespace mdq::data {

namespace {

// For each output position: the first input index, the number of taps and their weights
// (normalised to sum 1), padded to `width` taps per output.
struct Taps {
    std::vector<int64_t> first;
    std::vector<int64_t> count;
    std::vector<float> weights;
    int64_t width = 0;
};

// Triangle filter over [0, in_size) mapped onto out_size outputs (PIL's precompute_coeffs).
void compute_taps(int64_t in_size, int64_t out_size, Taps& t) {
    const double scale = static_cast<double>(in_size) / static_cast<double>(out_size);
    const double filter_scale = std::max(scale, 1.0);
    const double support = filter_scale;  // the bilinear kernel has support 1
    t.width = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
    t.first.resize(static_cast<size_t>(out_size));
    t.count.resize(static_cast<size_t>(out_size));
    t.weights.assign(static_cast<size_t>(out_size * t.width), 0.f);
    for (int64_t o = 0; o < out_size; ++o) {
        const double center = (static_cast<double>(o) + 0.5) * scale;
        const int64_t lo = std::max<int64_t>(static_cast<int64_t>(center - support + 0.5), 0);
        const int64_t hi = std::min<int64_t>(static_cast<int64_t>(center + support + 0.5), in_size);
        float* w = &t.weights[static_cast<size_t>(o * t.width)];
        double total = 0;
        for (int64_t k = 0; k < hi - lo; ++k) {
            const double x = std::fabs((static_cast<double>(lo + k) - center + 0.5) / filter_scale);
            w[k] = static_cast<float>(x < 1.0 ? 1.0 - x : 0.0);
            total += w[k];
        }
        for (int64_t k = 0; k < hi - lo; ++k)
            w[k] = static_cast<float>(w[k] / total);
        t.first[static_cast<size_t>(o)] = lo;
        t.count[static_cast<size_t>(o)] = hi - lo;
    }
}

}  // namespace

void crop_zero_fill(const Image& in, const Box& box, Image& out) {
    const int64_t c = in.shape.channels, iw = in.shape.width, ih = in.shape.height;
    out.resize(box.height, box.width, c);
    const int64_t x0 = std::max<int64_t>(box.left, 0);
    const int64_t x1 = std::min(box.left + box.width, iw);
    for (int64_t y = 0; y < box.height; ++y) {
        uint8_t* dst = out.data() + y * box.width * c;
        const int64_t sy = box.top + y;
        if (sy < 0 || sy >= ih || x1 <= x0) {
            std::memset(dst, 0, static_cast<size_t>(box.width * c));
            continue;
        }
        const int64_t before = (x0 - box.left) * c, span = (x1 - x0) * c;
        std::memset(dst, 0, static_cast<size_t>(before));
        std::memcpy(dst + before, in.data() + (sy * iw + x0) * c, static_cast<size_t>(span));
        std::memset(dst + before + span, 0, static_cast<size_t>(box.width * c - before - span));
    }
}

void flip_horizontal(const Image& in, Image& out) {
    const int64_t c = in.shape.channels, w = in.shape.width;
    out.resize(in.shape.height, w, c);
    for (int64_t y = 0; y < in.shape.height; ++y) {
        const uint8_t* src = in.data() + y * w * c;
        uint8_t* dst = out.data() + y * w * c;
        for (int64_t x = 0; x < w; ++x)
            for (int64_t k = 0; k < c; ++k)
                dst[x * c + k] = src[(w - 1 - x) * c + k];
    }
}

void resize_bilinear(const Image& in, const Box& box, int64_t out_height, int64_t out_width,
                     Image& out) {
    MDQ_CHECK(box.top >= 0 && box.left >= 0 && box.height > 0 && box.width > 0 &&
                  box.top + box.height <= in.shape.height && box.left + box.width <= in.shape.width,
              "resize_bilinear: box (top ", box.top, ", left ", box.left, ", ", box.height, "x",
              box.width, ") outside a ", in.shape.height, "x", in.shape.width, " image");
    MDQ_CHECK(out_height > 0 && out_width > 0, "resize_bilinear: bad output size ", out_height, "x",
              out_width);
    if (box.height == out_height && box.width == out_width) {
        crop_zero_fill(in, box, out);
        return;
    }
    thread_local Taps tx, ty;
    thread_local std::vector<float> rows;
    const int64_t c = in.shape.channels;
    compute_taps(box.width, out_width, tx);
    compute_taps(box.height, out_height, ty);
    // Horizontal pass over the rows of the box, into floats.
    rows.resize(static_cast<size_t>(box.height * out_width * c));
    for (int64_t y = 0; y < box.height; ++y) {
        const uint8_t* src = in.data() + ((box.top + y) * in.shape.width + box.left) * c;
        float* dst = rows.data() + y * out_width * c;
        for (int64_t x = 0; x < out_width; ++x) {
            const float* w = &tx.weights[static_cast<size_t>(x * tx.width)];
            const uint8_t* s = src + tx.first[static_cast<size_t>(x)] * c;
            for (int64_t k = 0; k < c; ++k) {
                float acc = 0.f;
                for (int64_t t = 0; t < tx.count[static_cast<size_t>(x)]; ++t)
                    acc += w[t] * s[t * c + k];
                dst[x * c + k] = acc;
            }
        }
    }
    // Vertical pass, rounded back to bytes.
    out.resize(out_height, out_width, c);
    const int64_t row = out_width * c;
    for (int64_t y = 0; y < out_height; ++y) {
        const float* w = &ty.weights[static_cast<size_t>(y * ty.width)];
        const float* src = rows.data() + ty.first[static_cast<size_t>(y)] * row;
        uint8_t* dst = out.data() + y * row;
        for (int64_t i = 0; i < row; ++i) {
            float acc = 0.f;
            for (int64_t t = 0; t < ty.count[static_cast<size_t>(y)]; ++t)
                acc += w[t] * src[t * row + i];
            dst[i] = static_cast<uint8_t>(std::clamp(std::lround(acc), 0L, 255L));
        }
    }
}

}  // namespace mdq::data
