#include "optim/md_step.h"

#include <omp.h>

#include "kernels/common/dispatch.h"

namespace mdq {

namespace {

// The CPU runner of the fused step: one chunk per body call, chunks spread over OpenMP threads
// (dynamically: a chunk's cost depends on its parameter's method).
void cpu_md_step(const MdStepLaunch& L) {
    const StepScalars sc = L.ctrl->cur;
    const int64_t n = L.n_chunks;
#pragma omp parallel for schedule(dynamic, 4) if (n > 8)
    for (int64_t c = 0; c < n; ++c)
        math::md_step_body_any(GridPos{c, 0, 1, n}, L, sc);
    advance_step(*L.ctrl);
}

void cpu_md_project(const MdStepLaunch& L, float beta) {
    const int64_t n = L.n_chunks;
#pragma omp parallel for schedule(dynamic, 4) if (n > 8)
    for (int64_t c = 0; c < n; ++c)
        math::md_project_body(GridPos{c, 0, 1, n}, L, beta);
}

}  // namespace

void md_step_launch(const MdStepLaunch& L, Device device) {
    MDQ_CHECK(L.ctrl != nullptr && (L.n_chunks == 0 || (L.params && L.chunks)),
              "md_step: incomplete launch description");
    if (device.is_cuda()) {
        MDQ_ON_CUDA("md_step", cuda::md_step(L, device));
        return;
    }
    cpu_md_step(L);
}

void md_project_launch(const MdStepLaunch& L, float beta, Device device) {
    MDQ_CHECK(L.n_chunks == 0 || (L.params && L.chunks),
              "md_project: incomplete launch description");
    MDQ_CHECK(beta > 0, "md_project: beta must be positive, got ", beta);
    if (device.is_cuda()) {
        MDQ_ON_CUDA("md_project", cuda::md_project(L, beta, device));
        return;
    }
    cpu_md_project(L, beta);
}

}  // namespace mdq
