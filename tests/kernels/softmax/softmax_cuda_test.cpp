// softmax / log_softmax on a GPU: parity with the CPU along every dim (thread, warp and block
// kernels; NaN-poisoned outputs; bf16), and autograd. Skipped without a GPU.
#include <cmath>

#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::throws_with;

TEST(SoftmaxCuda, ParityWithCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device g = Device::cuda(0);
    for (int64_t r : {1, 3, 31, 257, 1025, 5000}) {
        // Rows along the last dim (thread, warp and block kernels), a middle and the first dim.
        const std::vector<std::pair<Shape, int64_t>> cases = {
            {{7, r}, 1}, {{3, r, 4}, 1}, {{r, 5}, 0}, {{2, 3, r}, -1}};
        for (const auto& [shape, dim] : cases) {
            const Tensor x = testing::random_tensor(shape, 50 + r, -6, 6);
            const Tensor dy = testing::random_tensor(shape, 60 + r, -1, 1);
            for (bool log : {false, true}) {
                const std::string what =
                    shape_str(shape) + " dim " + std::to_string(dim) + (log ? " log" : "");
                Tensor y = Tensor::empty(shape), yg = Tensor::full(shape, NAN, DType::F32, g);
                softmax_forward_into(x, dim, log, y);
                softmax_forward_into(x.to(g), dim, log, yg);
                EXPECT_TRUE(all_close(yg, y, 2e-5, 1e-6)) << what;
                Tensor dx = Tensor::empty(shape), dxg = Tensor::full(shape, NAN, DType::F32, g);
                softmax_backward_into(y, dy, dim, log, dx);
                softmax_backward_into(y.to(g), dy.to(g), dim, log, dxg);
                EXPECT_TRUE(all_close(dxg, dx, 2e-5, 1e-6)) << what << " backward";
                // bf16 on the GPU against the f32 CPU result on the same rounded inputs.
                const Tensor xb = x.to(DType::BF16);
                Tensor yb = Tensor::full(shape, NAN, DType::BF16, g);
                softmax_forward_into(xb.to(g), dim, log, yb);
                Tensor yf = Tensor::empty(shape);
                softmax_forward_into(xb.to(DType::F32), dim, log, yf);
                EXPECT_TRUE(all_close(yb, yf, 8e-3, 1e-5)) << what << " bf16";
            }
        }
    }
}

TEST(SoftmaxCuda, AutogradOnTheGpu) {
    MDQ_SKIP_IF_NO_CUDA();
    Tensor x = testing::random_tensor({5, 37}, 3, -3, 3).set_requires_grad(true);
    Tensor xg = x.detach().to(Device::cuda(0)).set_requires_grad(true);
    const Tensor w = testing::random_tensor({5, 37}, 4);
    sum(softmax(x, 0) * w).backward();
    sum(softmax(xg, 0) * w.to(Device::cuda(0))).backward();
    EXPECT_TRUE(all_close(xg.grad(), x.grad(), 2e-5, 1e-6));
    EXPECT_TRUE(throws_with(
        [&] {
            softmax_forward_into(xg.detach(), 1, false, Tensor::empty({5, 37}));
        },
        {"softmax", "different devices", "cuda:0", "cpu"}));
}

}  // namespace
}  // namespace mdq
