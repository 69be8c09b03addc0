#include "kernels/dropout/dropout_impl.h"
#include "kernels/common/grid_cuda.cuh"

namespace mdq::cuda {

void dropout_apply(const Tensor& x, const DropoutMask& mask, const Tensor& y) {
    launch_dropout_apply<Runner>(x, mask, y);
}

}  // namespace mdq::cuda
