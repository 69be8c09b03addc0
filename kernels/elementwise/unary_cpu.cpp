// CPU unary kernels: the op fixed at compile time for each launch (unary_impl.h), so the
// compiler folds the op's switch away and vectorizes the loop.
#include "kernels/common/grid_cpu.h"
#include "kernels/elementwise/unary_impl.h"

namespace mdq::cpu {

void unary_forward(UnaryOp op, const Tensor& x, const Tensor& out, double a, double b) {
    launch_unary_forward<Runner, true>(op, x, out, a, b);
}

void unary_backward(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& dy,
                    const Tensor& dx, double a, double b) {
    launch_unary_backward<Runner, true>(op, x, y, dy, dx, a, b);
}

}  // namespace mdq::cpu
