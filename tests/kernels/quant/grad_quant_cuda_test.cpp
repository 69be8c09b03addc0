// GPU parity of the gradient quantizer (kernels/quant/grad_quant.h): the CUDA backward draws
// the same Philox noise as the CPU one and gives the same quantized gradient.
#include "tests/kernels/quant/grad_quant_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_equal;
using testing::quantized_grad;
using testing::random_tensor;

TEST(GradQuantCuda, ParityWithCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    Tensor g = random_tensor({16, 7, 7, 8}, 5);
    Generator gc(11), gg(11);
    Tensor qc = quantized_grad(g, 6, gc);
    Tensor x = Tensor::zeros(g.shape(), DType::F32, Device::cuda()).set_requires_grad(true);
    grad_quantize(x, 6, &gg).backward(g.to(Device::cuda()));
    EXPECT_TRUE(all_equal(x.grad().to(Device::cpu()), qc));
}

}  // namespace
}  // namespace mdq
