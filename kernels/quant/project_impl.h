// Dtype dispatch and launch of the projection kernels, shared by project.cpp (the CPU) and
// project_cuda.cu; Runner is cpu::Runner or cuda::Runner.
#pragma once

#include "kernels/elementwise/elementwise_plan.h"
#include "kernels/quant/project.h"

namespace mdq {

template <class Runner>
void launch_tanh_project(TanhProjectPass pass, const Tensor& u, const Tensor& gw, double beta,
                         int levels, const Tensor& out) {
    MDQ_DISPATCH_FLOATING(u.dtype(), "tanh_project", [&] {
        using A = acc_t<scalar_t>;
        const A b = static_cast<A>(beta);
        switch (pass) {
            case TanhProjectPass::Forward:
                return Runner::run(plan_elementwise<scalar_t, scalar_t, 1>(
                                       math::TanhProjectFn<A>{b, levels}, out, {u}),
                                   u.device());
            case TanhProjectPass::Gradient:
                return Runner::run(plan_elementwise<scalar_t, scalar_t, 2>(
                                       math::TanhProjectGradFn<A>{b, levels}, out, {u, gw}),
                                   u.device());
            case TanhProjectPass::Inverse:
                return Runner::run(plan_elementwise<scalar_t, scalar_t, 1>(
                                       math::TanhProjectInverseFn<A>{b, levels}, out, {u}),
                                   u.device());
        }
    });
}

}  // namespace mdq
