#include "kernels/copy/copy.h"

#include "kernels/common/dispatch.h"
#include "kernels/common/grid_cpu.h"
#include "kernels/copy/copy_impl.h"

namespace mdq {

namespace {
void copy_same_device(const Tensor& dst, const Tensor& src) {
    if (dst.is_cuda()) {
        MDQ_ON_CUDA("copy", cuda::copy_cast(dst, src));
        return;
    }
    launch_copy_cast<cpu::Runner>(dst, src);
}
}  // namespace

void copy_tensor(const Tensor& dst, const Tensor& src) {
    check_defined("copy", dst);
    check_defined("copy", src);
    MDQ_CHECK(dst.shape() == src.shape(), "copy: destination shape ", dst.shape(),
              " differs from source shape ", src.shape());
    if (dst.numel() == 0) return;
    if (dst.device() == src.device()) {
        copy_same_device(dst, src);
        return;
    }
    // Across devices: raw bytes of a dense source, then convert/scatter on the destination.
    const Tensor dense_src = src.is_contiguous() ? src : src.detach().contiguous();
    const bool direct = dst.is_contiguous() && dst.dtype() == src.dtype();
    const Tensor landing = direct ? dst : Tensor::empty(src.shape(), src.dtype(), dst.device());
    MDQ_ON_CUDA("copy", cuda::transfer(landing.raw_data(), landing.device(), dense_src.raw_data(),
                                       dense_src.device(), dense_src.nbytes()));
    if (!direct) copy_same_device(dst, landing);
}

}  // namespace mdq
