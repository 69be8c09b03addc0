// Depthwise convolution on the CPU. Output channel o reads input channel o / m (m = the channel
// multiplier O / C). Weights are transposed once per call to [taps, O] so the innermost loop
// runs over contiguous channels. Every loop writes disjoint outputs, so results do not depend
// on the thread count.
#include <algorithm>
#include <cstddef>
#include <vector>

#include "kernels/conv/conv_depthwise_cpu.h"

namespace mdq::cpu {

namespace {

constexpr int64_t kParallelMin = int64_t(1) << 14;

// out[c * m + j] += in[c] * w[c * m + j] for c < channels, j < m.
template <class T>
void multiply_add(T* out, const T* in, const T* w, int64_t channels, int64_t m) {
    if (m == 1) {  // plain depthwise: one contiguous, vectorisable loop
        for (int64_t c = 0; c < channels; ++c)
            out[c] += in[c] * w[c];
        return;
    }
    for (int64_t c = 0, o = 0; c < channels; ++c)
        for (int64_t j = 0; j < m; ++j, ++o)
            out[o] += in[c] * w[o];
}

// out[c] += sum_j g[c * m + j] * w[c * m + j] for c < channels.
template <class T>
void reduce_groups(T* out, const T* g, const T* w, int64_t channels, int64_t m) {
    if (m == 1) {
        for (int64_t c = 0; c < channels; ++c)
            out[c] += g[c] * w[c];
        return;
    }
    for (int64_t c = 0, o = 0; c < channels; ++c)
        for (int64_t j = 0; j < m; ++j, ++o)
            out[c] += g[o] * w[o];
}

// w [O, taps] -> [taps, O].
template <class T>
std::vector<T> taps_major(const ConvProblem& p, const T* w) {
    const int64_t taps = p.kh * p.kw;
    std::vector<T> t(static_cast<size_t>(taps * p.o));
    for (int64_t o = 0; o < p.o; ++o)
        for (int64_t k = 0; k < taps; ++k)
            t[static_cast<size_t>(k * p.o + o)] = w[o * taps + k];
    return t;
}

template <class T>
void forward(const ConvProblem& p, const T* x, const T* w, T* y) {
    const std::vector<T> wt = taps_major(p, w);
    const int64_t m = p.o / p.c, lines = p.n * p.oh;
#pragma omp parallel for schedule(static) if (lines * p.ow * p.o > kParallelMin)
    for (int64_t line = 0; line < lines; ++line) {
        const int64_t img = line / p.oh, oy = line % p.oh;
        for (int64_t ox = 0; ox < p.ow; ++ox) {
            T* out = y + ((img * p.oh + oy) * p.ow + ox) * p.o;
            std::fill(out, out + p.o, T(0));
            math::for_each_input_tap(p, oy, ox, [&](int64_t iy, int64_t ix, int64_t tap) {
                multiply_add(out, x + ((img * p.h + iy) * p.w + ix) * p.c, wt.data() + tap * p.o,
                             p.c, m);
            });
        }
    }
}

template <class T>
void backward_data(const ConvProblem& p, const T* dy, const T* w, T* dx) {
    const std::vector<T> wt = taps_major(p, w);
    const int64_t m = p.o / p.c, lines = p.n * p.h;
#pragma omp parallel for schedule(static) if (lines * p.w * p.o > kParallelMin)
    for (int64_t line = 0; line < lines; ++line) {
        const int64_t img = line / p.h, iy = line % p.h;
        for (int64_t ix = 0; ix < p.w; ++ix) {
            T* out = dx + ((img * p.h + iy) * p.w + ix) * p.c;
            std::fill(out, out + p.c, T(0));
            math::for_each_output_tap(p, iy, ix, [&](int64_t oy, int64_t ox, int64_t tap) {
                reduce_groups(out, dy + ((img * p.oh + oy) * p.ow + ox) * p.o,
                              wt.data() + tap * p.o, p.c, m);
            });
        }
    }
}

template <class T>
void backward_filter(const ConvProblem& p, const T* x, const T* dy, T* dw) {
    const Conv2dArgs& a = p.args;
    const int64_t m = p.o / p.c, taps = p.kh * p.kw;
    std::vector<T> acc(static_cast<size_t>(taps * p.o), T(0));  // [taps, O]
#pragma omp parallel for schedule(static) if (p.n * p.oh * p.ow * p.o > kParallelMin)
    for (int64_t k = 0; k < taps; ++k) {
        const int64_t ky = k / p.kw, kx = k % p.kw;
        T* sum = acc.data() + k * p.o;
        for (int64_t img = 0; img < p.n; ++img)
            for (int64_t oy = 0; oy < p.oh; ++oy) {
                const int64_t iy = math::conv_in_coord(oy, ky, a.stride_h, a.pad_h, a.dilation_h);
                if (iy < 0 || iy >= p.h) continue;
                for (int64_t ox = 0; ox < p.ow; ++ox) {
                    const int64_t ix =
                        math::conv_in_coord(ox, kx, a.stride_w, a.pad_w, a.dilation_w);
                    if (ix < 0 || ix >= p.w) continue;
                    const T* in = x + ((img * p.h + iy) * p.w + ix) * p.c;
                    const T* g = dy + ((img * p.oh + oy) * p.ow + ox) * p.o;
                    multiply_add(sum, in, g, p.c, m);
                }
            }
    }
    for (int64_t o = 0; o < p.o; ++o)
        for (int64_t k = 0; k < taps; ++k)
            dw[o * taps + k] = acc[static_cast<size_t>(k * p.o + o)];
}

}  // namespace

void depthwise_forward(const ConvProblem& p, const float* x, const float* w, float* y) {
    forward(p, x, w, y);
}
void depthwise_forward(const ConvProblem& p, const double* x, const double* w, double* y) {
    forward(p, x, w, y);
}
void depthwise_backward_data(const ConvProblem& p, const float* dy, const float* w, float* dx) {
    backward_data(p, dy, w, dx);
}
void depthwise_backward_data(const ConvProblem& p, const double* dy, const double* w, double* dx) {
    backward_data(p, dy, w, dx);
}
void depthwise_backward_filter(const ConvProblem& p, const float* x, const float* dy, float* dw) {
    backward_filter(p, x, dy, dw);
}
void depthwise_backward_filter(const ConvProblem& p, const double* x, const double* dy,
                               double* dw) {
    backward_filter(p, x, dy, dw);
}

}  // namespace mdq::cpu
