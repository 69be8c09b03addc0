#include "kernels/copy/copy_impl.h"
#include "kernels/common/grid_cpu.h"

namespace mdq::cpu {

void copy_cast(const Tensor& dst, const Tensor& src) {
    launch_copy_cast<Runner>(dst, src);
}

}  // namespace mdq::cpu
