// The loader's host-to-device copy: asynchronous on the given CUDA stream. Defined only in
// CUDA builds (device_copy_cuda.cpp); callers guard with MDQ_WITH_CUDA.
#pragma once

#include <cstddef>

#include "core/stream.h"

namespace mdq::data::cuda {

void copy_to_device_async(void* dst, const void* src, size_t nbytes, const Stream& stream);

}  // namespace mdq::data::cuda
