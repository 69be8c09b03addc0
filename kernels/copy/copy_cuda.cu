#include "kernels/copy/copy_impl.h"
#include "kernels/common/grid_cuda.cuh"

namespace mdq::cuda {

void copy_cast(const Tensor& dst, const Tensor& src) {
    launch_copy_cast<Runner>(dst, src);
}

void transfer(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes) {
    if (nbytes == 0) return;
    if (dst_device.is_cuda() && src_device.is_cuda()) {
        const cudaStream_t s = stream_for(dst_device);
        if (dst_device == src_device) {
            CHECK_CUDA(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToDevice, s));
        } else {
            // Order after pending work on the source device, then copy on the destination's stream.
            CHECK_CUDA(cudaStreamSynchronize(stream_for(src_device)));
            CHECK_CUDA(
                cudaMemcpyPeerAsync(dst, dst_device.index, src, src_device.index, nbytes, s));
            // The source device's pool may hand a freed temporary source out again at once,
            // while the destination's stream is still reading it. Rare enough to wait for.
            CHECK_CUDA(cudaStreamSynchronize(s));
        }
        return;
    }
    const Device gpu = dst_device.is_cuda() ? dst_device : src_device;
    const cudaStream_t s = stream_for(gpu);
    CHECK_CUDA(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDefault, s));
    // Host memory is handed back to the caller: wait until the copy has finished with it.
    CHECK_CUDA(cudaStreamSynchronize(s));
}

}  // namespace mdq::cuda
