#include "kernels/common/grid_cuda.cuh"
#include "kernels/norm/batch_norm_impl.h"

namespace mdq::cuda {

void batch_norm_forward(const BatchNormForward& a) {
    launch_batch_norm_forward<Runner, false>(a);
}

void batch_norm_backward(const BatchNormBackward& a) {
    launch_batch_norm_backward<Runner, false>(a);
}

}  // namespace mdq::cuda
