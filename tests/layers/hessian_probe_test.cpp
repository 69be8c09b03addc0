// The Hessian probe: x_q + offset with the gradient read at the offset, the graph through x_q
// kept, and a clear error for an offset of the wrong shape.
#include "layers/hessian_probe.h"

#include "kernels/ops.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::random_tensor;

TEST(HessianProbe, ReadsTheGradientAtTheOffsetAndKeepsTheGraph) {
    HessianProbe probe;
    const Tensor x = random_tensor({2, 3}, 1).set_requires_grad(true);
    const Tensor xq = x * 3.0;
    EXPECT_TRUE(all_close(probe.apply(xq, "q").detach(), xq.detach()));
    EXPECT_FALSE(probe.point().defined());  // not armed: nothing to read

    const Tensor off = random_tensor({2, 3}, 2, -0.1, 0.1), c = random_tensor({2, 3}, 3);
    probe.arm(off);
    const Tensor y = probe.apply(xq, "q");
    EXPECT_TRUE(all_close(y.detach(), xq.detach() + off));
    sum(y * y * c).backward();
    // dL/dy = 2 y c, at the point and (times 3) at x: the probe did not cut the graph.
    const Tensor want = y.detach() * c * 2.0;
    EXPECT_TRUE(all_close(probe.point().grad(), want));
    EXPECT_TRUE(all_close(x.grad(), want * 3.0));

    probe.arm();  // at x_q itself
    EXPECT_TRUE(all_close(probe.apply(xq, "q").detach(), xq.detach()));
    EXPECT_TRUE(all_close(probe.point().detach(), xq.detach() * 0.0));
    probe.disarm();
    EXPECT_FALSE(probe.armed());
    EXPECT_FALSE(probe.point().defined());
}

TEST(HessianProbe, OffsetOfTheWrongShapeNamesTheQuantizer) {
    HessianProbe probe;
    probe.arm(Tensor::zeros({4}));
    EXPECT_TRUE(testing::throws_with(
        [&] {
            probe.apply(Tensor::zeros({2, 2}), "conv2.act_quant");
        },
        {"conv2.act_quant", "probe offset is f32[4]"}));
    EXPECT_TRUE(testing::throws_with([&] { probe.apply(Tensor(), "q"); }, {"HessianProbe"}));
}

}  // namespace
}  // namespace mdq
