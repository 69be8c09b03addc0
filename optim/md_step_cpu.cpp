// CPU runner of the fused step: one chunk per body call, chunks spread over OpenMP threads.
#include <omp.h>

#include "optim/md_step.h"

namespace mdq::cpu {

void md_step(const MdStepLaunch& L) {
    const StepScalars sc = L.ctrl->cur;
    const int64_t n = L.n_chunks;
#pragma omp parallel for schedule(dynamic, 4) if (n > 8)
    for (int64_t c = 0; c < n; ++c)
        math::md_step_body_any(GridPos{c, 0, 1, n}, L, sc);
    advance_step(*L.ctrl);
}

void md_project(const MdStepLaunch& L, float beta) {
    const int64_t n = L.n_chunks;
#pragma omp parallel for schedule(dynamic, 4) if (n > 8)
    for (int64_t c = 0; c < n; ++c)
        math::md_project_body(GridPos{c, 0, 1, n}, L, beta);
}

}  // namespace mdq::cpu
