#include "kernels/common/row_pass_cpu.h"
#include "kernels/common/grid_cpu.h"
#include "kernels/loss/cross_entropy_impl.h"

namespace mdq::cpu {

void cross_entropy_forward(const Tensor& logits, const Tensor& labels, const Tensor& loss,
                           const Tensor& lse) {
    launch_cross_entropy_forward<RowPassRunner>(logits, labels, loss, lse, nullptr);
}

void cross_entropy_backward(const Tensor& logits, const Tensor& labels, const Tensor& lse,
                            const Tensor& g, double scale, const Tensor& dlogits) {
    launch_cross_entropy_backward<Runner>(logits, labels, lse, g, scale, dlogits);
}

}  // namespace mdq::cpu
