#include "kernels/common/grid_cpu.h"
#include "kernels/fill/fill_impl.h"

namespace mdq::cpu {

void generate(const Tensor& dst, const GenSpec& spec) {
    launch_generate<Runner>(dst, spec);
}

}  // namespace mdq::cpu
