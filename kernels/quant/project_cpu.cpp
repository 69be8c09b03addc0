#include "kernels/common/grid_cpu.h"
#include "kernels/quant/project_impl.h"

namespace mdq::cpu {

void tanh_project(int which, const Tensor& u, const Tensor& gw, double beta, int levels,
                  const Tensor& out) {
    launch_tanh_project<Runner>(which, u, gw, beta, levels, out);
}

void run_body(const SimplexProject& e, Device device) {
    Runner::run(e, device);
}

}  // namespace mdq::cpu
