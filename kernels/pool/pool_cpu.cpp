// CPU pooling. f32 and f64 take row-wise paths. The forward pass walks output pixels (their
// windows found once per pixel, not once per element with a chain of divisions) with the
// channels innermost, applying the shared formulas of pool_math.h (pool_max_step, pool_divide)
// in the reference order. The backward pass scatters each output gradient into its window
// (max: into the saved argmax) instead of gathering per input element; a work item owns an
// (image, channel block), so no atomics are needed, and every input element receives its terms
// in the order the reference gather adds them. The results are bit-identical to the grid
// bodies (tests/kernels/pool compares them). bf16 and f16, whose reference sums stay in f32
// between terms, run the grid bodies.
#include <algorithm>
#include <limits>

#include "kernels/common/grid_cpu.h"
#include "kernels/pool/pool_impl.h"

namespace mdq::cpu {

namespace {

constexpr int64_t kChannelBlock = 64;

// Channels innermost, a block at a time, so the running maximum or sum vectorizes.
template <class T>
void forward_rows(const PoolGeometry& g, const T* x, T* y, int32_t* indices) {
    const bool adaptive = g.kind == PoolKind::AdaptiveAvg;
    const int64_t lines = g.n * g.oh;
#pragma omp parallel for schedule(static) if (lines * g.ow * g.c >= kParallelGrain)
    for (int64_t line = 0; line < lines; ++line) {
        const int64_t img = line / g.oh, oy = line % g.oh;
        const math::Window wy = math::pool_window(adaptive, oy, g.h, g.oh, g.kh, g.sh, g.ph);
        const T* image = x + img * g.h * g.w * g.c;
        T acc[kChannelBlock];
        int32_t at[kChannelBlock];
        for (int64_t ox = 0; ox < g.ow; ++ox) {
            const math::Window wx = math::pool_window(adaptive, ox, g.w, g.ow, g.kw, g.sw, g.pw);
            const int64_t divisor = math::pool_divisor(g, wy, wx);
            for (int64_t c0 = 0; c0 < g.c; c0 += kChannelBlock) {
                const int64_t nc = std::min(kChannelBlock, g.c - c0);
                const int64_t o = (line * g.ow + ox) * g.c + c0;
                const bool max = g.kind == PoolKind::Max;
                for (int64_t c = 0; c < nc; ++c) {
                    acc[c] = max ? -std::numeric_limits<T>::infinity() : T(0);
                    at[c] = -1;
                }
                for (int64_t iy = wy.start; iy < wy.end; ++iy)
                    for (int64_t ix = wx.start; ix < wx.end; ++ix) {
                        const T* src = image + (iy * g.w + ix) * g.c + c0;
                        const auto pos = static_cast<int32_t>(iy * g.w + ix);
                        if (max) {
                            for (int64_t c = 0; c < nc; ++c)
                                math::pool_max_step(src[c], pos, acc[c], at[c]);
                        } else {
                            for (int64_t c = 0; c < nc; ++c)
                                acc[c] += src[c];
                        }
                    }
                if (max) {
                    for (int64_t c = 0; c < nc; ++c) {
                        y[o + c] = acc[c];
                        indices[o + c] = at[c];
                    }
                } else {
                    for (int64_t c = 0; c < nc; ++c)
                        y[o + c] = math::pool_divide(acc[c], divisor);
                }
            }
        }
    }
}

template <class T>
void backward_scatter(const PoolGeometry& g, const T* dy, const int32_t* indices, T* dx) {
    const bool adaptive = g.kind == PoolKind::AdaptiveAvg;
    const int64_t blocks = (g.c + kChannelBlock - 1) / kChannelBlock, items = g.n * blocks;
    const int64_t pixels = g.h * g.w;
#pragma omp parallel for schedule(static) if (g.n * pixels * g.c >= kParallelGrain)
    for (int64_t item = 0; item < items; ++item) {
        const int64_t img = item / blocks, c0 = item % blocks * kChannelBlock;
        const int64_t c1 = std::min(g.c, c0 + kChannelBlock);
        T* image = dx + img * pixels * g.c;
        for (int64_t px = 0; px < pixels; ++px)
            std::fill(image + px * g.c + c0, image + px * g.c + c1, T(0));
        for (int64_t oy = 0; oy < g.oh; ++oy) {
            const math::Window wy = math::pool_window(adaptive, oy, g.h, g.oh, g.kh, g.sh, g.ph);
            for (int64_t ox = 0; ox < g.ow; ++ox) {
                const int64_t o = ((img * g.oh + oy) * g.ow + ox) * g.c;
                if (g.kind == PoolKind::Max) {
                    for (int64_t c = c0; c < c1; ++c)
                        if (indices[o + c] >= 0) image[indices[o + c] * g.c + c] += dy[o + c];
                    continue;
                }
                const math::Window wx =
                    math::pool_window(adaptive, ox, g.w, g.ow, g.kw, g.sw, g.pw);
                const int64_t divisor = math::pool_divisor(g, wy, wx);
                for (int64_t iy = wy.start; iy < wy.end; ++iy)
                    for (int64_t ix = wx.start; ix < wx.end; ++ix) {
                        T* d = image + (iy * g.w + ix) * g.c;
                        for (int64_t c = c0; c < c1; ++c)
                            d[c] += math::pool_divide(dy[o + c], divisor);
                    }
            }
        }
    }
}

}  // namespace

void pool2d_forward(const PoolGeometry& g, const Tensor& x, const Tensor& y,
                    const Tensor& indices) {
    int32_t* idx = indices.defined() ? indices.data<int32_t>() : nullptr;
    if (x.dtype() == DType::F32) return forward_rows(g, x.data<float>(), y.data<float>(), idx);
    if (x.dtype() == DType::F64) return forward_rows(g, x.data<double>(), y.data<double>(), idx);
    launch_pool2d_forward<Runner>(g, x, y, indices);
}

void pool2d_backward(const PoolGeometry& g, const Tensor& dy, const Tensor& indices,
                     const Tensor& dx) {
    const int32_t* idx = indices.defined() ? indices.data<int32_t>() : nullptr;
    if (dy.dtype() == DType::F32)
        return backward_scatter(g, dy.data<float>(), idx, dx.data<float>());
    if (dy.dtype() == DType::F64)
        return backward_scatter(g, dy.data<double>(), idx, dx.data<double>());
    launch_pool2d_backward<Runner>(g, dy, indices, dx);
}

}  // namespace mdq::cpu
