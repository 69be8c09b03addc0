#include "data/device_copy.h"

#include "core/cuda_check.h"

namespace mdq::data::cuda {

void copy_to_device_async(void* dst, const void* src, size_t nbytes, const Stream& stream) {
    CHECK_CUDA(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyHostToDevice,
                               static_cast<cudaStream_t>(stream.handle())));
}

}  // namespace mdq::data::cuda
