// CPU convolution, the reference for cuDNN. im2col on NHWC gives one
// [images * OH * OW, KH * KW * C/groups] matrix per group; one GEMM with the group's OHWI
// weight rows writes the NHWC output in place (its row stride is O). Images go in chunks so
// the column buffer stays bounded, and that buffer is a per-thread scratch that only grows:
// a training step does not reallocate it. The data gradient sums per input line (col2im
// without atomics, im2col_cpu.cpp), parallel over lines. Copies and GEMMs (cpu::gemm) share the
// OpenMP threads. Depthwise problems take a direct path (conv_depthwise_cpu.cpp).
#include <algorithm>
#include <vector>

#include "kernels/common/cpu_gemm.h"
#include "kernels/conv/conv.h"
#include "kernels/conv/conv_depthwise_cpu.h"
#include "kernels/conv/im2col_cpu.h"

namespace mdq::cpu {

namespace {

constexpr int64_t kMaxColumnElements = int64_t(1) << 23;

// A buffer of at least n elements owned by the calling thread; grows, never shrinks.
template <class T>
T* scratch(int64_t n) {
    thread_local std::vector<T> buf;
    if (static_cast<int64_t>(buf.size()) < n) buf.resize(static_cast<size_t>(n));
    return buf.data();
}

// Calls fn(i0, i1, g, col) for every group g of every chunk [i0, i1) of images, with col a
// scratch buffer of (i1 - i0) * OH * OW rows of taps() elements. Chunks bound the buffer.
template <class T, class Fn>
void for_each_chunk(const ConvProblem& p, Fn&& fn) {
    const int64_t per_image = std::max<int64_t>(1, p.oh * p.ow * p.taps());
    const int64_t step = std::max<int64_t>(1, std::min(p.n, kMaxColumnElements / per_image));
    T* col = scratch<T>(step * per_image);
    for (int64_t i0 = 0; i0 < p.n; i0 += step)
        for (int64_t g = 0; g < p.args.groups; ++g)
            fn(i0, std::min(p.n, i0 + step), g, col);
}

template <class T>
void forward(const ConvProblem& p, const T* x, const T* w, T* y) {
    if (use_depthwise(p)) return depthwise_forward(p, x, w, y);
    if (p.is_pointwise()) {
        gemm(false, true, p.n * p.h * p.w, p.o, p.c, x, p.c, w, p.c, T(0), y, p.o);
        return;
    }
    const int64_t taps = p.taps(), og = p.o_per_group(), plane = p.oh * p.ow;
    for_each_chunk<T>(p, [&](int64_t i0, int64_t i1, int64_t g, T* col) {
        im2col(p, x, i0, i1, g, col);
        gemm(false, true, (i1 - i0) * plane, og, taps, col, taps, w + g * og * taps, taps, T(0),
             y + i0 * plane * p.o + g * og, p.o);
    });
}

template <class T>
void backward_data(const ConvProblem& p, const T* dy, const T* w, T* dx) {
    if (use_depthwise(p)) return depthwise_backward_data(p, dy, w, dx);
    if (p.is_pointwise()) {
        gemm(false, false, p.n * p.h * p.w, p.c, p.o, dy, p.o, w, p.c, T(0), dx, p.c);
        return;
    }
    const int64_t taps = p.taps(), og = p.o_per_group(), plane = p.oh * p.ow;
    for_each_chunk<T>(p, [&](int64_t i0, int64_t i1, int64_t g, T* col) {
        gemm(false, false, (i1 - i0) * plane, taps, og, dy + i0 * plane * p.o + g * og, p.o,
             w + g * og * taps, taps, T(0), col, taps);
        col2im(p, col, i0, i1, g, dx);
    });
}

template <class T>
void backward_filter(const ConvProblem& p, const T* x, const T* dy, T* dw) {
    if (p.n == 0) {
        std::fill(dw, dw + p.o * p.taps(), T(0));
        return;
    }
    if (use_depthwise(p)) return depthwise_backward_filter(p, x, dy, dw);
    if (p.is_pointwise()) {
        gemm(true, false, p.o, p.c, p.n * p.h * p.w, dy, p.o, x, p.c, T(0), dw, p.c);
        return;
    }
    const int64_t taps = p.taps(), og = p.o_per_group(), plane = p.oh * p.ow;
    for_each_chunk<T>(p, [&](int64_t i0, int64_t i1, int64_t g, T* col) {
        im2col(p, x, i0, i1, g, col);
        const T beta = i0 == 0 ? T(0) : T(1);  // later chunks accumulate
        gemm(true, false, og, taps, (i1 - i0) * plane, dy + i0 * plane * p.o + g * og, p.o, col,
             taps, beta, dw + g * og * taps, taps);
    });
}

// Runs fn with T = float or double.
template <class Fn>
void dispatch(DType dt, const char* op, Fn&& fn) {
    if (dt == DType::F32) return fn(float{});
    if (dt == DType::F64) return fn(double{});
    MDQ_THROW(ValueError, op, ": the CPU convolution supports f32 and f64, not ", dtype_name(dt),
              " (16-bit compute runs on the GPU only)");
}

}  // namespace

void conv2d_forward(const ConvProblem& p, const Tensor& x, const Tensor& w, const Tensor& y) {
    dispatch(x.dtype(), "conv2d", [&](auto t) {
        using T = decltype(t);
        forward(p, x.data<T>(), w.data<T>(), y.data<T>());
    });
}

void conv2d_backward_data(const ConvProblem& p, const Tensor& dy, const Tensor& w,
                          const Tensor& dx) {
    dispatch(dy.dtype(), "conv2d_backward_data", [&](auto t) {
        using T = decltype(t);
        backward_data(p, dy.data<T>(), w.data<T>(), dx.data<T>());
    });
}

void conv2d_backward_filter(const ConvProblem& p, const Tensor& x, const Tensor& dy,
                            const Tensor& dw) {
    dispatch(x.dtype(), "conv2d_backward_filter", [&](auto t) {
        using T = decltype(t);
        backward_filter(p, x.data<T>(), dy.data<T>(), dw.data<T>());
    });
}

}  // namespace mdq::cpu
