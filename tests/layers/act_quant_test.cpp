// The activation and gradient quantizer modules: EWGS's delta as a buffer that checkpoints
// carry, the Hessian probe of the quantized input, and the gradient quantizer's bypass. The
// formulas themselves are tested with the op (tests/kernels/quant/act_quant_test.cpp).
#include "layers/act_quant.h"

#include "kernels/ops.h"
#include "layers/linear.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_close;
using testing::random_tensor;

TEST(ActQuantLayer, EwgsDeltaIsABufferThatCheckpointsCarry) {
    ActQuant q(ActQuantKind::Ewgs, 2, 0.003);
    auto state = q.state_dict();
    ASSERT_EQ(state.count("delta"), 1u);
    for (auto& [name, t] : state)
        t = t.clone();  // state_dict shares the live storage
    EXPECT_DOUBLE_EQ(state.at("delta").item<double>(), 0.003);
    q.set_delta(0.02);
    EXPECT_DOUBLE_EQ(q.state_dict().at("delta").item<double>(), 0.02);
    q.load_state_dict(state);  // a checkpoint from when delta was 0.003
    EXPECT_DOUBLE_EQ(q.delta(), 0.02);
    q.reload_delta();
    EXPECT_DOUBLE_EQ(q.delta(), 0.003);
    // DoReFa and the uniform quantizer scale no gradient: no buffer, and reload is a no-op.
    ActQuant d(ActQuantKind::DoReFa, 2);
    EXPECT_EQ(d.state_dict().count("delta"), 0u);
    d.reload_delta();
    EXPECT_EQ(d.delta(), 0.0);
}

TEST(ActQuantLayer, ProbeReadsTheGradientOfTheQuantizedInput) {
    Linear fc(5, 2, false);
    attach_act_quantizers(fc, [](const std::string&, int) {
        LayerIoBits b;
        b.act_bits = 2;
        b.act_kind = ActQuantKind::Ewgs;
        return b;
    });
    ActQuant& q = *act_quantizers(fc).at(0).second;
    const Tensor x = random_tensor({3, 5}, 4, 0.0, 1.0);
    const Tensor c = random_tensor({3, 2}, 5);
    q.probe().arm();
    fc(x).backward(c);
    // z = x_q W^T, so dL/dx_q = c W.
    EXPECT_TRUE(all_close(q.probe().point().grad(), matmul(c, fc.weight().value)));
    q.probe().disarm();
    const Tensor off = random_tensor({3, 4}, 6);
    q.probe().arm(off);
    EXPECT_TRUE(testing::throws_with([&] { fc(x); }, {"ActQuant(ewgs, 2 bits", "probe offset"}));
}

TEST(ActQuantLayer, BypassedGradientQuantizerPassesTheGradientThrough) {
    Linear fc(6, 4, false);
    attach_act_quantizers(fc, [](const std::string&, int) {
        LayerIoBits b;
        b.grad_bits = 2;
        return b;
    });
    const Tensor c = random_tensor({3, 4}, 8);
    auto input_grad = [&] {
        const Tensor x = random_tensor({3, 6}, 7).set_requires_grad(true);
        fc(x).backward(c);
        return x.grad();
    };
    const Tensor want = matmul(c, fc.weight().value);
    EXPECT_FALSE(all_close(input_grad(), want));  // 2-bit gradients
    {
        GradQuantBypass bypass(fc);
        EXPECT_TRUE(all_close(input_grad(), want));
    }
    EXPECT_FALSE(all_close(input_grad(), want));  // back on when the bypass ends
}

}  // namespace
}  // namespace mdq
