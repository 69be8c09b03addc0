// Binary ops on a GPU: parity with the CPU for every op and broadcast, and the raw kernel
// writes every element of a strided output. Skipped without a GPU.
#include <cmath>

#include "tests/kernels/elementwise/binary_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using namespace binary_test;
using testing::all_close;

TEST(BinaryCuda, ParityWithCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device g = Device::cuda(0);
    std::vector<std::pair<Shape, Shape>> shapes = shape_pairs();
    for (int64_t n : {1, 3, 31, 257, 1025, 1 << 20})
        shapes.push_back({{n}, {n}});
    shapes.push_back({{257, 31}, {31}});
    shapes.push_back({{3, 1, 1025}, {1, 31, 1}});
    for (const BinCase& c : cases())
        for (const auto& [sa, sb] : shapes) {
            Tensor a = testing::random_tensor(sa, 5, -2, 2),
                   b = testing::random_tensor(sb, 6, 0.5, 2);
            const Tensor want = c.f(a, b);
            EXPECT_TRUE(all_close(c.f(a.to(g), b.to(g)), want, 2e-6, 1e-6))
                << c.name << shape_str(sa);
            Tensor ar = a.detach().set_requires_grad(true), br = b.detach().set_requires_grad(true);
            Tensor ag = a.to(g).set_requires_grad(true), bg = b.to(g).set_requires_grad(true);
            sum(c.f(ar, br)).backward();
            sum(c.f(ag, bg)).backward();
            EXPECT_TRUE(all_close(ag.grad(), ar.grad(), 1e-5, 1e-5)) << c.name << shape_str(sa);
            EXPECT_TRUE(all_close(bg.grad(), br.grad(), 1e-5, 1e-5)) << c.name << shape_str(sb);
            EXPECT_TRUE(testing::all_equal(gt(a.to(g), b.to(g)), gt(a, b)));
            Tensor cond = gt(a, b);
            EXPECT_TRUE(all_close(where(cond.to(g), a.to(g), b.to(g)), where(cond, a, b), 0, 0));
        }
}

TEST(BinaryCuda, RawKernelWritesEveryElementOfStridedOutput) {
    MDQ_SKIP_IF_NO_CUDA();
    const Device g = Device::cuda(0);
    Tensor a = testing::random_tensor({31, 257}, 8), b = testing::random_tensor({257}, 9);
    Tensor out = Tensor::full({257, 31}, NAN, DType::F32, g).permute({1, 0});
    binary_forward_into(BinaryOp::Mul, a.to(g), b.to(g), out);
    EXPECT_TRUE(all_close(out, a * b, 1e-6, 0));
}

}  // namespace
}  // namespace mdq
