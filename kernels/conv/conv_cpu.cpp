// CPU convolution, the reference for cuDNN. im2col on NHWC gives one
// [images * OH * OW, KH * KW * C/groups] matrix per group; one GEMM with the group's OHWI
// weight rows writes the NHWC output in place (its row stride is O). The data gradient is a GEMM
// into columns and col2im (im2col_cpu.cpp). Column buffers are per-thread scratch that only
// grows: a training step does not reallocate them. Depthwise problems take a direct path
// (conv_depthwise_cpu.cpp).
//
// Two schedules share the OpenMP threads. Blocked, when there are at least as many chunks of
// images as threads: a chunk's columns fit in a core's cache (kCacheColumnBytes), and each
// thread runs whole chunks, im2col + GEMM (+ col2im) on one core while the columns are still in
// its cache, instead of writing and rereading megabytes of columns through memory. The filter
// gradient then sums per lane of chunks (a fixed split by shape) and adds the lanes in order,
// so it does not depend on the thread count. Otherwise (few large images) every copy and GEMM
// (cpu::gemm) is split across the threads, one bounded chunk at a time.
#include <omp.h>

#include <algorithm>
#include <vector>

#include "kernels/common/cpu_gemm.h"
#include "kernels/conv/conv.h"
#include "kernels/conv/conv_depthwise_cpu.h"
#include "kernels/conv/im2col_cpu.h"

namespace mdq::cpu {

namespace {

constexpr int64_t kMaxColumnElements = int64_t(1) << 23;  // split schedule: column buffer bound
constexpr int64_t kCacheColumnBytes = int64_t(1) << 18;   // blocked schedule: columns per chunk
constexpr int64_t kMaxLanes = 16;                         // filter gradient partial sums
constexpr int64_t kMaxPartialElements = int64_t(1) << 22;

// A buffer of at least n elements owned by the calling thread; grows, never shrinks. Slot 0
// holds columns, slot 1 the filter gradient's partial sums.
template <class T, int Slot = 0>
T* scratch(int64_t n) {
    thread_local std::vector<T> buf;
    if (static_cast<int64_t>(buf.size()) < n) buf.resize(static_cast<size_t>(n));
    return buf.data();
}

int64_t column_elements_per_image(const ConvProblem& p) {
    return std::max<int64_t>(1, p.oh * p.ow * p.taps());
}

// Split schedule: calls fn(i0, i1, g, col) for every group g of every chunk [i0, i1) of images,
// with col a scratch buffer of (i1 - i0) * OH * OW rows of taps() elements.
template <class T, class Fn>
void for_each_chunk(const ConvProblem& p, Fn&& fn) {
    const int64_t per_image = column_elements_per_image(p);
    const int64_t step = std::max<int64_t>(1, std::min(p.n, kMaxColumnElements / per_image));
    T* col = scratch<T>(step * per_image);
    for (int64_t i0 = 0; i0 < p.n; i0 += step)
        for (int64_t g = 0; g < p.args.groups; ++g)
            fn(i0, std::min(p.n, i0 + step), g, col);
}

// Blocked schedule: chunks of images whose columns fit in the cache.
struct Blocking {
    int64_t images = 1, chunks = 0;  // images per chunk, number of chunks
    bool use = false;                // at least as many chunks as threads
};

template <class T>
Blocking blocking(const ConvProblem& p) {
    Blocking b;
    const int64_t per_image = column_elements_per_image(p) * static_cast<int64_t>(sizeof(T));
    b.images = std::max<int64_t>(1, std::min(p.n, kCacheColumnBytes / per_image));
    b.chunks = (p.n + b.images - 1) / b.images;
    b.use = b.chunks >= omp_get_max_threads() && !omp_in_parallel();
    return b;
}

// Calls fn(i0, i1, g, col) for chunks [k0, k1) of the blocking, in order, on this thread.
template <class T, class Fn>
void run_chunks(const ConvProblem& p, const Blocking& b, int64_t k0, int64_t k1, Fn&& fn) {
    T* col = scratch<T>(b.images * column_elements_per_image(p));
    for (int64_t k = k0; k < k1; ++k)
        for (int64_t g = 0; g < p.args.groups; ++g)
            fn(k * b.images, std::min(p.n, (k + 1) * b.images), g, col);
}

// Every chunk once, a thread running whole chunks, or the split schedule.
template <class T, class Fn>
void schedule_chunks(const ConvProblem& p, Fn&& fn) {
    const Blocking b = blocking<T>(p);
    if (!b.use) return for_each_chunk<T>(p, fn);
#pragma omp parallel for schedule(static)
    for (int64_t k = 0; k < b.chunks; ++k)
        run_chunks<T>(p, b, k, k + 1, fn);
}

template <class T>
void forward(const ConvProblem& p, const T* x, const T* w, T* y) {
    if (use_depthwise(p)) return depthwise_forward(p, x, w, y);
    if (p.is_pointwise()) {
        gemm(false, true, p.n * p.h * p.w, p.o, p.c, x, p.c, w, p.c, T(0), y, p.o);
        return;
    }
    const int64_t taps = p.taps(), og = p.o_per_group(), plane = p.oh * p.ow;
    schedule_chunks<T>(p, [&](int64_t i0, int64_t i1, int64_t g, T* col) {
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
    schedule_chunks<T>(p, [&](int64_t i0, int64_t i1, int64_t g, T* col) {
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
    // dw (+)= dy^T col for the chunk; the first chunk of a sum overwrites.
    auto accumulate = [&](T* out, int64_t first) {
        return [&, out, first](int64_t i0, int64_t i1, int64_t g, T* col) {
            im2col(p, x, i0, i1, g, col);
            gemm(true, false, og, taps, (i1 - i0) * plane, dy + i0 * plane * p.o + g * og, p.o, col,
                 taps, i0 == first ? T(0) : T(1), out + g * og * taps, taps);
        };
    };
    const Blocking b = blocking<T>(p);
    const int64_t size = p.o * taps, lanes = std::min(b.chunks, kMaxLanes);
    if (!b.use || lanes < 2 || lanes * size > kMaxPartialElements) {
        for_each_chunk<T>(p, accumulate(dw, 0));
        return;
    }
    T* partial = scratch<T, 1>(lanes * size);
#pragma omp parallel for schedule(static)
    for (int64_t lane = 0; lane < lanes; ++lane) {
        const int64_t k0 = lane * b.chunks / lanes, k1 = (lane + 1) * b.chunks / lanes;
        run_chunks<T>(p, b, k0, k1, accumulate(partial + lane * size, k0 * b.images));
    }
    for (int64_t j = 0; j < size; ++j) {
        T s = partial[j];
        for (int64_t lane = 1; lane < lanes; ++lane)
            s += partial[lane * size + j];
        dw[j] = s;
    }
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
