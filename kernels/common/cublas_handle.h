// The cuBLAS handle of (device, calling thread), bound to the device's current stream before
// it is returned. Included only by CUDA translation units (public headers never see cuBLAS).
#pragma once

#include <cublas_v2.h>

#include "core/device.h"

namespace mdq::cuda {

// Created on first use with the default math mode (no TF32, no reduced-precision split-K
// reductions) and bound with a workspace of its own per stream, so cuBLAS never allocates
// during a step (CUDA graph capture). A thread's handles pass to the next thread that needs
// one when it exits; they are never destroyed, since destruction at process exit races the
// driver's own teardown.
cublasHandle_t cublas_handle(Device device);

// MDQ_ALLOW_TF32=1 lets f32 GEMMs (and later convolutions) use TF32 tensor cores.
bool tf32_allowed();

}  // namespace mdq::cuda
