// matmul through cuBLAS against the CPU: every transpose and batch form with NaN-poisoned
// outputs, strided operands and gradients. Skipped without a GPU.
#include <cmath>

#include "tests/kernels/matmul/matmul_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using namespace matmul_test;
using testing::all_close;
using testing::throws_with;

TEST(MatmulCuda, ParityWithCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device g = Device::cuda(0);
    // (m, n, k) of awkward sizes; k = 1025 also shows TF32 is off (its error would exceed f32_tol).
    const int64_t sizes[][3] = {
        {1, 1, 1}, {3, 31, 257}, {257, 3, 31}, {31, 257, 3}, {65, 33, 1025}};
    for (const auto& s : sizes)
        for (const Case& c : kCases)
            for (bool ta : {false, true})
                for (bool tb : {false, true}) {
                    const int64_t m = s[0], n = s[1], k = s[2];
                    const Tensor a = testing::random_tensor(stored(c.batch_a, m, k, ta), m + k);
                    const Tensor b = testing::random_tensor(stored(c.batch_b, k, n, tb), n + k);
                    const Tensor want = matmul(a, b, ta, tb);
                    const std::string what =
                        a.str() + " " + b.str() + " " + std::to_string(ta) + std::to_string(tb);
                    Tensor out = Tensor::full(want.shape(), NAN, DType::F32, g);
                    matmul_into(a.to(g), b.to(g), ta, tb, out);
                    EXPECT_TRUE(all_close(out, want, 1e-5, f32_tol(k))) << what;
                    Tensor out64 = Tensor::full(want.shape(), NAN, DType::F64, g);
                    matmul_into(a.to(DType::F64).to(g), b.to(DType::F64).to(g), ta, tb, out64);
                    EXPECT_TRUE(all_close(out64, matmul(a.to(DType::F64), b.to(DType::F64), ta, tb),
                                          1e-12, 1e-12))
                        << what;
                    // bf16 inputs, f32 accumulation: against f32 on the same rounded inputs.
                    const Tensor ab = a.to(DType::BF16), bb = b.to(DType::BF16);
                    Tensor outb = Tensor::full(want.shape(), NAN, DType::BF16, g);
                    matmul_into(ab.to(g), bb.to(g), ta, tb, outb);
                    EXPECT_TRUE(all_close(outb,
                                          matmul(ab.to(DType::F32), bb.to(DType::F32), ta, tb),
                                          8e-3, 1e-5 * static_cast<double>(k) + 1e-4))
                        << what << " bf16";
                }
}

TEST(MatmulCuda, StridedOperandsAndGradients) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device g = Device::cuda(0);
    const Tensor a = testing::random_tensor({3, 31, 40}, 1),
                 b = testing::random_tensor({40, 17}, 2);
    const Tensor ag = a.to(g), bg = b.to(g);
    EXPECT_TRUE(
        all_close(matmul(ag.transpose(1, 2), bg, true, false), matmul(a, b), 1e-5, f32_tol(40)));
    EXPECT_TRUE(all_close(matmul(ag, bg.slice(1, 0, 17, 2)), matmul(a, b.slice(1, 0, 17, 2)), 1e-5,
                          f32_tol(40)));
    EXPECT_TRUE(all_close(matmul(ag.select(0, 1).unsqueeze(0).expand({4, 31, 40}),
                                 bg.unsqueeze(0).expand({4, 40, 17})),
                          matmul(a.select(0, 1), b).unsqueeze(0).expand({4, 31, 17}), 1e-5,
                          f32_tol(40)));
    Tensor x = a.detach().clone().set_requires_grad(true),
           w = b.detach().clone().set_requires_grad(true);
    Tensor xg = ag.detach().clone().set_requires_grad(true),
           wg = bg.detach().clone().set_requires_grad(true);
    sum(matmul(x, w, false, false)).backward();
    sum(matmul(xg, wg, false, false)).backward();
    EXPECT_TRUE(all_close(xg.grad(), x.grad(), 1e-5, f32_tol(17)));
    EXPECT_TRUE(all_close(wg.grad(), w.grad(), 1e-5, f32_tol(93)));
    EXPECT_TRUE(throws_with([&] { matmul(ag, b); }, {"matmul", "different devices"}));
}

}  // namespace
}  // namespace mdq
