#include "kernels/common/row_pass_cpu.h"
#include "kernels/softmax/softmax_impl.h"

namespace mdq::cpu {

void softmax_forward(const Tensor& x, const RowGeometry& g, bool log, const Tensor& y) {
    launch_softmax_forward<RowPassRunner>(x, g, log, y);
}

void softmax_backward(const Tensor& y, const Tensor& dy, const RowGeometry& g, bool log,
                      const Tensor& dx) {
    launch_softmax_backward<RowPassRunner>(y, dy, g, log, dx);
}

}  // namespace mdq::cpu
