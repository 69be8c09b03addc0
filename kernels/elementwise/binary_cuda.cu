#include "kernels/elementwise/binary_impl.h"
#include "kernels/common/grid_cuda.cuh"

namespace mdq::cuda {

void binary_forward(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out,
                    double alpha) {
    launch_binary_forward<Runner>(op, a, b, out, alpha);
}

void binary_grad(BinaryOp op, int which, const Tensor& a, const Tensor& b, const Tensor& dy,
                 const Tensor& out) {
    launch_binary_grad<Runner>(op, which, a, b, dy, out);
}

void compare(CompareOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
    launch_compare<Runner>(op, a, b, out);
}

void where(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) {
    launch_where<Runner>(cond, a, b, out);
}

}  // namespace mdq::cuda
