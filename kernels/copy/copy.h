// Copies between tensors of one shape: any dtypes (casts round to nearest even), any strides,
// any devices. Not recorded by autograd; Tensor::copy_/to/contiguous build on it.
#pragma once

#include <cstddef>

#include "core/tensor.h"
#include "core/tensor_primitives.h"

namespace mdq {

// copy_tensor (core/tensor_primitives.h) is defined here.

namespace cuda {
// Same device: strided copy with conversion.
void copy_cast(const Tensor& dst, const Tensor& src);
// Raw bytes between devices (at least one of them a GPU); returns once dst can be read.
void transfer(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes);
}  // namespace cuda

}  // namespace mdq
