#include "kernels/channel/channel_impl.h"
#include "kernels/common/grid_cpu.h"

namespace mdq::cpu {

void channel_affine(const Tensor& x, const Tensor& scale, const Tensor& shift, const Tensor& y) {
    launch_channel_affine<Runner>(x, scale, shift, y);
}

void channel_sum(const Tensor& x, const Tensor& out) {
    launch_channel_sum<Runner, true>(x, out);
}

}  // namespace mdq::cpu
