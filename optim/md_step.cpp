#include "optim/md_step.h"

#include "kernels/common/dispatch.h"

namespace mdq {

void md_step_launch(const MdStepLaunch& L, Device device) {
    MDQ_CHECK(L.ctrl != nullptr && (L.n_chunks == 0 || (L.params && L.chunks)),
              "md_step: incomplete launch description");
    if (device.is_cuda()) {
        MDQ_ON_CUDA("md_step", cuda::md_step(L, device));
        return;
    }
    cpu::md_step(L);
}

void md_project_launch(const MdStepLaunch& L, float beta, Device device) {
    MDQ_CHECK(L.n_chunks == 0 || (L.params && L.chunks),
              "md_project: incomplete launch description");
    MDQ_CHECK(beta > 0, "md_project: beta must be positive, got ", beta);
    if (device.is_cuda()) {
        MDQ_ON_CUDA("md_project", cuda::md_project(L, beta, device));
        return;
    }
    cpu::md_project(L, beta);
}

}  // namespace mdq
