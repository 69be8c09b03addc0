#include "kernels/common/grid_cuda.cuh"
#include "kernels/elementwise/unary_impl.h"

namespace mdq::cuda {

void unary_forward(UnaryOp op, const Tensor& x, const Tensor& out, double a, double b) {
    launch_unary_forward<Runner>(op, x, out, a, b);
}

void unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& dy,
                    const Tensor& dx, double a, double b) {
    launch_unary_backward<Runner>(op, x, y, dy, dx, a, b);
}

}  // namespace mdq::cuda
