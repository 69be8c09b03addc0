#include "kernels/common/grid_cpu.h"
#include "kernels/norm/batch_norm_impl.h"

namespace mdq::cpu {

void batch_norm_forward(const BatchNormForward& a) {
    launch_batch_norm_forward<Runner, true>(a);
}

void batch_norm_backward(const BatchNormBackward& a) {
    launch_batch_norm_backward<Runner, true>(a);
}

}  // namespace mdq::cpu
