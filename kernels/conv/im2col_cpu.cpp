#include "kernels/conv/im2col_cpu.h"

#include <omp.h>

#include <algorithm>

namespace mdq::cpu {

namespace {

// Below this many column elements a copy runs on the calling thread (as it does when called
// from a parallel region: the blocked schedule of conv_cpu.cpp).
constexpr int64_t kParallelMin = int64_t(1) << 14;

// Short runs (often 1 to 30 elements): plain loops, which the compiler vectorizes when long.
template <class T>
void copy_run(const T* src, int64_t n, T* dst) {
    for (int64_t i = 0; i < n; ++i)
        dst[i] = src[i];
}

template <class T>
void add_run(const T* src, int64_t n, T* dst) {
    for (int64_t i = 0; i < n; ++i)
        dst[i] += src[i];
}

template <class T>
void im2col_impl(const ConvProblem& p, const T* x, int64_t i0, int64_t i1, int64_t g, T* col) {
    const Conv2dArgs& a = p.args;
    const int64_t taps = p.taps(), cg = p.c_per_group(), krow = p.kw * cg;
    const bool runs = a.dilation_w == 1 && cg == p.c;  // a kernel row is contiguous in x
    const int64_t lines = (i1 - i0) * p.oh;
#pragma omp parallel for schedule(static) if (lines * p.ow * taps > kParallelMin && \
                                              !omp_in_parallel())
    for (int64_t line = 0; line < lines; ++line) {
        const int64_t img = i0 + line / p.oh, oy = line % p.oh;
        int64_t ky0, ky1;
        math::conv_tap_range(oy, p.kh, a.stride_h, a.pad_h, a.dilation_h, p.h, ky0, ky1);
        const T* image = x + img * p.h * p.w * p.c + g * cg;
        const T* row0 = image + (oy * a.stride_h - a.pad_h) * p.w * p.c;  // kernel row 0
        const int64_t row_step = a.dilation_h * p.w * p.c;
        const bool rows_inside = runs && ky0 == 0 && ky1 == p.kh;
        T* dst = col + line * p.ow * taps;
        for (int64_t ox = 0; ox < p.ow; ++ox, dst += taps) {
            int64_t kx0, kx1;
            math::conv_tap_range(ox, p.kw, a.stride_w, a.pad_w, a.dilation_w, p.w, kx0, kx1);
            const int64_t ix0 = ox * a.stride_w - a.pad_w;
            if (rows_inside && kx0 == 0 && kx1 == p.kw) {  // the whole window is inside
                for (int64_t ky = 0; ky < p.kh; ++ky)
                    copy_run(row0 + ky * row_step + ix0 * p.c, krow, dst + ky * krow);
                continue;
            }
            std::fill(dst, dst + taps, T(0));
            for (int64_t ky = ky0; ky < ky1; ++ky) {
                const T* src = row0 + ky * row_step;
                T* d = dst + ky * krow;
                if (runs) {
                    copy_run(src + (ix0 + kx0) * p.c, (kx1 - kx0) * cg, d + kx0 * cg);
                } else {
                    for (int64_t kx = kx0; kx < kx1; ++kx)
                        copy_run(src + (ix0 + kx * a.dilation_w) * p.c, cg, d + kx * cg);
                }
            }
        }
    }
}

template <class T>
void col2im_impl(const ConvProblem& p, const T* col, int64_t i0, int64_t i1, int64_t g, T* dx) {
    const Conv2dArgs& a = p.args;
    const int64_t taps = p.taps(), cg = p.c_per_group(), krow = p.kw * cg;
    const bool runs = a.dilation_w == 1 && cg == p.c;
    const int64_t lines = (i1 - i0) * p.h;
#pragma omp parallel for schedule(static) if (lines * p.w * taps > kParallelMin && \
                                              !omp_in_parallel())
    for (int64_t line = 0; line < lines; ++line) {
        const int64_t img = i0 + line / p.h, iy = line % p.h;
        T* dst = dx + (img * p.h + iy) * p.w * p.c + g * cg;
        for (int64_t ix = 0; ix < p.w; ++ix)
            std::fill(dst + ix * p.c, dst + ix * p.c + cg, T(0));
        for (int64_t ky = 0; ky < p.kh; ++ky) {
            const int64_t oy =
                math::conv_out_coord(iy, ky, a.stride_h, a.pad_h, a.dilation_h, p.oh);
            if (oy < 0) continue;
            const T* src = col + ((img - i0) * p.oh + oy) * p.ow * taps + ky * krow;
            for (int64_t ox = 0; ox < p.ow; ++ox, src += taps) {
                int64_t kx0, kx1;
                math::conv_tap_range(ox, p.kw, a.stride_w, a.pad_w, a.dilation_w, p.w, kx0, kx1);
                const int64_t ix0 = ox * a.stride_w - a.pad_w;
                if (runs) {
                    add_run(src + kx0 * cg, (kx1 - kx0) * cg, dst + (ix0 + kx0) * p.c);
                } else {
                    for (int64_t kx = kx0; kx < kx1; ++kx)
                        add_run(src + kx * cg, cg, dst + (ix0 + kx * a.dilation_w) * p.c);
                }
            }
        }
    }
}

}  // namespace

void im2col(const ConvProblem& p, const float* x, int64_t i0, int64_t i1, int64_t g, float* col) {
    im2col_impl(p, x, i0, i1, g, col);
}

void im2col(const ConvProblem& p, const double* x, int64_t i0, int64_t i1, int64_t g, double* col) {
    im2col_impl(p, x, i0, i1, g, col);
}

void col2im(const ConvProblem& p, const float* col, int64_t i0, int64_t i1, int64_t g, float* dx) {
    col2im_impl(p, col, i0, i1, g, dx);
}

void col2im(const ConvProblem& p, const double* col, int64_t i0, int64_t i1, int64_t g,
            double* dx) {
    col2im_impl(p, col, i0, i1, g, dx);
}

}  // namespace mdq::cpu
