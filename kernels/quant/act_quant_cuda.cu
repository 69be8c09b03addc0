#include "kernels/common/grid_cuda.cuh"
#include "kernels/quant/act_quant_impl.h"

namespace mdq::cuda {

void act_quant_forward(const Tensor& x, const Tensor& lo, const Tensor& hi,
                       const ActQuantOptions& o, const Tensor& y) {
    launch_act_quant_forward<Runner>(x, lo, hi, o, y);
}

void act_quant_backward(const Tensor& x, const Tensor& lo, const Tensor& hi,
                        const ActQuantOptions& o, const Tensor& dy, const Tensor& dx,
                        const Tensor& dlo_terms, const Tensor& dhi_terms) {
    launch_act_quant_backward<Runner>(x, lo, hi, o, dy, dx, dlo_terms, dhi_terms);
}

}  // namespace mdq::cuda
