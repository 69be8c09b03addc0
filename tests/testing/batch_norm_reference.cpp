#include "tests/testing/batch_norm_reference.h"

#include "kernels/ops.h"

namespace mdq::testing {

Tensor reference_batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps) {
    std::vector<int64_t> dims;
    for (int64_t d = 0; d + 1 < x.dim(); ++d)
        dims.push_back(d);
    const Tensor centred = x - mean(x, dims);
    Tensor y = centred / sqrt(add_scalar(mean(centred * centred, dims), eps));
    if (weight.defined()) y = y * weight;
    if (bias.defined()) y = y + bias;
    return y;
}

}  // namespace mdq::testing
