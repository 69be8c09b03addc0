// Dtype dispatch of the strided copy/cast, shared by the dispatcher (copy.cpp, the CPU)
// and copy_cuda.cu.
#pragma once

#include "kernels/copy/copy.h"
#include "kernels/copy/copy_math.h"
#include "kernels/elementwise/elementwise_plan.h"

namespace mdq {

template <class Runner>
void launch_copy_cast(const Tensor& dst, const Tensor& src) {
    MDQ_DISPATCH_ALL(src.dtype(), "copy", [&] {
        using In = scalar_t;
        MDQ_DISPATCH_ALL(dst.dtype(), "copy", [&] {
            Runner::run(
                plan_elementwise<scalar_t, In, 1>(math::IdentityFn<acc_t<In>>{}, dst, {src}),
                dst.device());
        });
    });
}

}  // namespace mdq
