// Device dispatch shared by the dispatchers of kernels/quant: runs a grid body on the CPU
// (cpu::Runner) or, when built with CUDA, on the GPU through the cuda::run_body overloads
// (bitplane_cuda.cu, pack_cuda.cu, project_cuda.cu).
#pragma once

#include "kernels/common/dispatch.h"
#include "kernels/common/grid_cpu.h"
#include "kernels/quant/bitplane.h"
#include "kernels/quant/pack.h"
#include "kernels/quant/project.h"

namespace mdq {

template <class E>
void launch_body(const char* op, const E& e, Device device) {
    MDQ_CHECK(e.n >= 0, op, ": negative work size ", e.n);
    if (e.n == 0) return;
    if (device.is_cuda()) {
        MDQ_ON_CUDA(op, cuda::run_body(e, device));
        return;
    }
    cpu::Runner::run(e, device);
}

}  // namespace mdq
