// Geometry of 2-D convolution on NHWC activations with OHWI (KRSC) weights: output sizes, the
// input pixel that kernel tap k of output pixel o reads, and the reverse. Shared by the CPU im2col
// path, the cuDNN descriptors, the layers and the tests.
#pragma once

#include <cstdint>

#include "core/hd.h"

namespace mdq {

struct Conv2dArgs {
    int64_t stride_h = 1, stride_w = 1;
    int64_t pad_h = 0, pad_w = 0;
    int64_t dilation_h = 1, dilation_w = 1;
    int64_t groups = 1;
};

// One convolution problem: input [n, h, w, c], weight [o, kh, kw, c / groups],
// output [n, oh, ow, o].
struct ConvProblem {
    int64_t n = 0, h = 0, w = 0, c = 0;
    int64_t o = 0, kh = 0, kw = 0;
    int64_t oh = 0, ow = 0;
    Conv2dArgs args;

    MDQ_HD int64_t c_per_group() const { return c / args.groups; }
    MDQ_HD int64_t o_per_group() const { return o / args.groups; }
    // Length of one im2col row: the taps (kh, kw, channel) of one group, in OHWI order.
    MDQ_HD int64_t taps() const { return kh * kw * c_per_group(); }
    // A 1x1, stride-1, unpadded, ungrouped convolution is a plain matrix product.
    MDQ_HD bool is_pointwise() const {
        return kh == 1 && kw == 1 && args.stride_h == 1 && args.stride_w == 1 && args.pad_h == 0 &&
               args.pad_w == 0 && args.groups == 1;
    }
};

namespace math {

// Output length along one axis; the caller has checked that the dilated kernel fits the
// padded input (in + 2 * pad >= dilation * (k - 1) + 1).
MDQ_HD int64_t conv_out_size(int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dilation) {
    return (in + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
}

// The input coordinate read by output coordinate o at tap t (may fall in the padding).
MDQ_HD int64_t conv_in_coord(int64_t o, int64_t t, int64_t stride, int64_t pad, int64_t dilation) {
    return o * stride - pad + t * dilation;
}

// The output coordinate whose tap t reads input coordinate i, or -1 when there is none.
MDQ_HD int64_t conv_out_coord(int64_t i, int64_t t, int64_t stride, int64_t pad, int64_t dilation,
                              int64_t out) {
    const int64_t num = i + pad - t * dilation;
    if (num < 0 || num % stride != 0) return -1;
    const int64_t o = num / stride;
    return o < out ? o : -1;
}

// The taps [k0, k1) of output coordinate o that read inside an input axis of length in: those
// with 0 <= o * stride - pad + t * dilation < in (an empty range has k0 == k1). The CPU
// im2col/col2im use it to copy or add whole runs of taps instead of testing each one.
MDQ_HD void conv_tap_range(int64_t o, int64_t k, int64_t stride, int64_t pad, int64_t dilation,
                           int64_t in, int64_t& k0, int64_t& k1) {
    const int64_t i0 = o * stride - pad;  // input coordinate of tap 0
    k0 = i0 >= 0 ? 0 : (dilation - 1 - i0) / dilation;
    k1 = i0 >= in ? 0 : (in - i0 + dilation - 1) / dilation;
    if (k0 > k) k0 = k;
    if (k1 > k) k1 = k;
    if (k1 < k0) k1 = k0;
}

// Calls fn(iy, ix, tap) for the kernel taps of output pixel (oy, ox) that read inside the
// input (tap = ky * kw + kx).
template <class Fn>
MDQ_HD void for_each_input_tap(const ConvProblem& p, int64_t oy, int64_t ox, Fn&& fn) {
    const Conv2dArgs& a = p.args;
    for (int64_t ky = 0; ky < p.kh; ++ky) {
        const int64_t iy = conv_in_coord(oy, ky, a.stride_h, a.pad_h, a.dilation_h);
        if (iy < 0 || iy >= p.h) continue;
        for (int64_t kx = 0; kx < p.kw; ++kx) {
            const int64_t ix = conv_in_coord(ox, kx, a.stride_w, a.pad_w, a.dilation_w);
            if (ix >= 0 && ix < p.w) fn(iy, ix, ky * p.kw + kx);
        }
    }
}

// Calls fn(oy, ox, tap) for the output pixels and taps that read input pixel (iy, ix).
template <class Fn>
MDQ_HD void for_each_output_tap(const ConvProblem& p, int64_t iy, int64_t ix, Fn&& fn) {
    const Conv2dArgs& a = p.args;
    for (int64_t ky = 0; ky < p.kh; ++ky) {
        const int64_t oy = conv_out_coord(iy, ky, a.stride_h, a.pad_h, a.dilation_h, p.oh);
        if (oy < 0) continue;
        for (int64_t kx = 0; kx < p.kw; ++kx) {
            const int64_t ox = conv_out_coord(ix, kx, a.stride_w, a.pad_w, a.dilation_w, p.ow);
            if (ox >= 0) fn(oy, ox, ky * p.kw + kx);
        }
    }
}

}  // namespace math
}  // namespace mdq
