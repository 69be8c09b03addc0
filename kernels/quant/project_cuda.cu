#include "kernels/common/grid_cuda.cuh"
#include "kernels/quant/project_impl.h"

namespace mdq::cuda {

void tanh_project(TanhProjectPass pass, const Tensor& u, const Tensor& gw, double beta, int levels,
                  const Tensor& out) {
    launch_tanh_project<Runner>(pass, u, gw, beta, levels, out);
}

void run_body(const SimplexProject& e, Device device) {
    Runner::run(e, device);
}

}  // namespace mdq::cuda
