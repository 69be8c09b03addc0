#include "kernels/common/grid_cuda.cuh"
#include "kernels/pool/pool_impl.h"

namespace mdq::cuda {

void pool2d_forward(const PoolGeometry& g, const Tensor& x, const Tensor& y,
                    const Tensor& indices) {
    launch_pool2d_forward<Runner>(g, x, y, indices);
}

void pool2d_backward(const PoolGeometry& g, const Tensor& dy, const Tensor& indices,
                     const Tensor& dx) {
    launch_pool2d_backward<Runner>(g, dy, indices, dx);
}

}  // namespace mdq::cuda
