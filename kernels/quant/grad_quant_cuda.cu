#include "kernels/common/row_pass_cuda.cuh"
#include "kernels/quant/grad_quant_impl.h"

namespace mdq::cuda {

void grad_quant(const Tensor& dy, int levels, const GradQuantNoise& noise, const Tensor& dx) {
    launch_grad_quant<RowPassRunner>(dy, levels, noise, dx);
}

}  // namespace mdq::cuda
