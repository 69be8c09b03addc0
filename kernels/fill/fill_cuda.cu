#include "kernels/common/grid_cuda.cuh"
#include "kernels/fill/fill_impl.h"

namespace mdq::cuda {

void generate(const Tensor& dst, const GenSpec& spec) {
    launch_generate<Runner>(dst, spec);
}

}  // namespace mdq::cuda
