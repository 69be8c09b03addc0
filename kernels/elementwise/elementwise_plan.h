// Host-side construction of an Elementwise launch from tensors: broadcasting, layout choice.
#pragma once

#include <array>
#include <cstdint>

#include "core/tensor.h"
#include "kernels/elementwise/elementwise_math.h"

namespace mdq {

// ins are broadcast to out's shape. The caller has checked devices and dtypes.
template <class Out, class In, int NIN, class F>
Elementwise<Out, In, NIN, F> plan_elementwise(F f, const Tensor& out,
                                              const std::array<Tensor, NIN>& ins) {
    Elementwise<Out, In, NIN, F> e{};
    e.f = f;
    e.out = static_cast<Out*>(out.raw_data());
    e.n = out.numel();
    std::array<Shape, NIN + 1> strides;
    strides[0] = out.strides();
    bool same_shapes = true;
    for (int a = 0; a < NIN; ++a) {
        e.in[a] = static_cast<const In*>(ins[a].raw_data());
        strides[a + 1] = broadcast_strides(ins[a].shape(), ins[a].strides(), out.shape());
        same_shapes = same_shapes && ins[a].shape() == out.shape();
    }
    if (same_shapes && all_contiguous<NIN + 1>(out.shape(), strides)) {
        constexpr int V = vec_width<In>();
        bool aligned = reinterpret_cast<uintptr_t>(e.out) % (sizeof(Out) * V) == 0;
        for (int a = 0; a < NIN; ++a)
            aligned = aligned && reinterpret_cast<uintptr_t>(e.in[a]) % 16 == 0;
        e.layout = aligned ? Layout::Vectorized : Layout::Contiguous;
    } else {
        e.layout = Layout::Strided;
        e.calc = make_offset_calc<NIN + 1>(out.shape(), strides);
    }
    return e;
}

}  // namespace mdq
