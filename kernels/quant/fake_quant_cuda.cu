#include "kernels/common/grid_cuda.cuh"
#include "kernels/quant/fake_quant_impl.h"

namespace mdq::cuda {

void fake_quant(const Tensor& x, const AffineQuant& q, FakeQuantOut out, int64_t channels,
                int64_t inner, const Tensor& y) {
    launch_fake_quant<Runner>(x, q, out, channels, inner, y);
}

}  // namespace mdq::cuda
