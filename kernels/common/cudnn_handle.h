// The cuDNN handle of (device, calling thread), bound to the device's current stream, and the
// settings every cuDNN call shares. Included only by *_cudnn.cpp translation units.
#pragma once

#include <cudnn.h>

#include <cstddef>

#include "core/cudnn_check.h"
#include "core/device.h"
#include "core/dtype.h"

namespace mdq::cuda {

// Created on first use and never destroyed (destruction at exit races the driver's teardown);
// the handles of exited threads are reused by new threads.
cudnnHandle_t cudnn_handle(Device device);

// The cuDNN element type of dt (f32, f64, bf16, f16), or a ValueError naming `op`.
cudnnDataType_t cudnn_dtype(DType dt, const char* op);

// Settings read once from the environment:
//   MDQ_ALLOW_TF32=1        f32 convolutions may use TF32 tensor cores (tf32_allowed(), off by
//                           default)
//   MDQ_DETERMINISTIC=1     only deterministic algorithms
//   MDQ_CUDNN_BENCHMARK=1   pick algorithms by timing them (cudnnFind*) instead of heuristics
//   MDQ_CUDNN_WORKSPACE_MB  largest workspace an algorithm may ask for (default 1024)
struct CudnnSettings {
    bool allow_tf32 = false;
    bool deterministic = false;
    bool benchmark = false;
    size_t workspace_limit = size_t(1024) << 20;
};
const CudnnSettings& cudnn_settings();
// Override the environment's settings (set_conv_benchmark and set_conv_deterministic in
// kernels/conv/conv.h).
void set_cudnn_benchmark(bool on);
void set_cudnn_deterministic(bool on);

}  // namespace mdq::cuda
