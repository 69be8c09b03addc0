// Dtype dispatch and launch of the projection kernels, shared by project.cpp (the CPU) and
// project_cuda.cu; Runner is cpu::Runner or cuda::Runner.
#pragma once

#include "kernels/elementwise/elementwise_plan.h"
#include "kernels/quant/project.h"

namespace mdq {

// which: 0 forward (u -> out), 1 gradient (u, gw -> out), 2 inverse (x = u -> out).
template <class Runner>
void launch_tanh_project(int which, const Tensor& u, const Tensor& gw, double beta, int levels,
                         const Tensor& out) {
    MDQ_DISPATCH_FLOATING(u.dtype(), "tanh_project", [&] {
        using A = acc_t<scalar_t>;
        const A b = static_cast<A>(beta);
        if (which == 0) {
            Runner::run(plan_elementwise<scalar_t, scalar_t, 1>(math::TanhProjectFn<A>{b, levels},
                                                                out, {u}),
                        u.device());
        } else if (which == 1) {
            Runner::run(plan_elementwise<scalar_t, scalar_t, 2>(
                            math::TanhProjectGradFn<A>{b, levels}, out, {u, gw}),
                        u.device());
        } else {
            Runner::run(plan_elementwise<scalar_t, scalar_t, 1>(
                            math::TanhProjectInverseFn<A>{b, levels}, out, {u}),
                        u.device());
        }
    });
}

}  // namespace mdq
