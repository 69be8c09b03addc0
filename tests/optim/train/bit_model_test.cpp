// BitModel runs small-cnn with binary or ternary weights on the bit kernels and gives the
// logits of the float model with the same weights: weight-only (sign-select, float rounding),
// and with 1- and 2-bit DoReFa activation quantizers (XOR-popcount, the fc2 input from folded
// batch-norm thresholds), with level values scaled or not; layers without packed weights stay
// float.
#include "optim/train/bit_model.h"

#include "core/autograd.h"
#include "kernels/elementwise/binary.h"
#include "layers/act_quant.h"
#include "models/registry.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::random_tensor;

Tensor test_input() {
    return random_tensor({6, 28, 28, 1}, 99, -1.0, 2.0);
}

struct Net {
    ModulePtr model;
    std::vector<std::pair<std::string, PackedTensor>> packed;
    std::map<std::string, double> scales;
};

// small-cnn with every weight on `levels` levels, batch-norm statistics of test_input(), and
// (act_bits > 0) DoReFa quantizers on the inputs of all but the first layer.
// `scale` multiplies the level values of every weight (DoReFa k = 1's mean|u|, EWGS's |alpha|).
Net make_net(int levels, int act_bits, bool pack_all = true, double scale = 1) {
    Net n;
    const ModelOptions o = resolve_options("small-cnn", ModelOptions{});
    n.model = build_model("small-cnn", o);
    if (act_bits > 0)
        attach_act_quantizers(*n.model, [&](const std::string&, int index) {
            LayerIoBits b;
            b.act_bits = index == 0 ? 0 : act_bits;
            return b;
        });
    uint64_t seed = 1;
    for (auto& [name, p] : n.model->named_parameters()) {
        const bool weight = name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0;
        if (!weight || p->value.dim() < 2) continue;
        const auto r = random_tensor(p->value.shape(), seed++).to_vector<float>();
        std::vector<float> v;
        std::vector<uint8_t> codes;
        for (float f : r) {
            const int c = levels == 2 ? (f >= 0) : (f < -0.33f ? 0 : (f < 0.33f ? 1 : 2));
            codes.push_back(static_cast<uint8_t>(c));
            v.push_back(static_cast<float>(scale * (levels == 2 ? 2.0 * c - 1 : c - 1.0)));
        }
        p->value.copy_(Tensor::from_vector(v, p->value.shape()));
        if (pack_all || name != "fc1.weight") {
            n.packed.emplace_back(name,
                                  pack_codes(Tensor::from_vector(codes, p->value.shape()), levels));
            if (scale != 1) n.scales[name] = scale;
        }
    }
    // Batch-norm statistics of the data: 40 train-mode passes move the running ones there.
    const Tensor x = test_input();
    n.model->train();
    {
        NoGradGuard g;
        for (int i = 0; i < 40; ++i)
            (*n.model)(x);
    }
    n.model->eval();
    return n;
}

// The bit path sums in other orders than mdq's float path, so its logits may differ from them
// by rounding as the network amplifies it: bounded by `tol` or by 4 times the change that a
// relative 1e-6 (8 ulp) perturbation of the input makes in the float logits.
void expect_same_logits(Net& n, double tol) {
    const Tensor x = test_input();
    std::vector<float> ref, moved;
    {
        NoGradGuard g;
        ref = (*n.model)(x).to(DType::F32).to_vector<float>();
        moved = (*n.model)(x * (1.0 + 1e-6)).to(DType::F32).to_vector<float>();
    }
    double rounding = 0;
    for (size_t i = 0; i < ref.size(); ++i)
        rounding = std::max(rounding, static_cast<double>(std::abs(moved[i] - ref[i])));
    BitModel bm(*n.model, n.packed, n.scales);
    const auto got = bm.forward(x).to_vector<float>();
    ASSERT_EQ(got.size(), ref.size());
    for (size_t i = 0; i < got.size(); ++i)
        EXPECT_LE(std::abs(got[i] - ref[i]), std::max(4 * rounding, tol))
            << i << " (rounding scale " << rounding << ")";
}

TEST(BitModel, WeightOnlyBinaryAndTernaryMatchFloat) {
    for (int levels : {2, 3}) {
        SCOPED_TRACE(levels);
        Net n = make_net(levels, 0);
        BitModel bm(*n.model, n.packed);
        EXPECT_EQ(bm.bit_layers(), 4);
        EXPECT_EQ(bm.plan()[0], std::string("conv1: ") + (levels == 2 ? "binary" : "ternary") +
                                    " weights, sign-select (float activations)");
        expect_same_logits(n, 1e-4);
    }
}

TEST(BitModel, QuantizedActivationsRunOnBitsAndMatchFloat) {
    for (int bits : {1, 2})
        for (int levels : {2, 3}) {
            SCOPED_TRACE("bits " + std::to_string(bits) + " levels " + std::to_string(levels));
            Net n = make_net(levels, bits);
            const auto plan = BitModel(*n.model, n.packed).plan();
            bool fused = false, popcount = false;
            for (const std::string& l : plan) {
                fused |= l.rfind("fc2: ", 0) == 0 && l.find("thresholds") != std::string::npos;
                popcount |=
                    l.rfind("conv2: ", 0) == 0 && l.find("xor-popcount") != std::string::npos;
            }
            EXPECT_TRUE(fused);
            EXPECT_TRUE(popcount);
            expect_same_logits(n, 1e-4);
        }
}

TEST(BitModel, ScaledLevelValuesMatchFloat) {
    for (int bits : {0, 1, 2}) {
        SCOPED_TRACE(bits);
        Net n = make_net(2, bits, true, 0.37);
        expect_same_logits(n, 1e-4);
        // Without the scales the bit layers give other logits: the test sees the scale.
        n.scales.clear();
        const Tensor x = test_input();
        const auto unscaled = BitModel(*n.model, n.packed).forward(x).to_vector<float>();
        NoGradGuard g;
        const auto ref = (*n.model)(x).to(DType::F32).to_vector<float>();
        double diff = 0;
        for (size_t i = 0; i < ref.size(); ++i)
            diff = std::max(diff, static_cast<double>(std::abs(unscaled[i] - ref[i])));
        EXPECT_GT(diff, 1e-2);
    }
}

TEST(BitModel, UnpackedLayersStayFloat) {
    Net n = make_net(2, 1, /*pack_all=*/false);
    BitModel bm(*n.model, n.packed);
    EXPECT_EQ(bm.bit_layers(), 3);
    bool fc1_float = false;
    for (const std::string& l : bm.plan())
        fc1_float |= l.rfind("fc1: float Linear", 0) == 0;
    EXPECT_TRUE(fc1_float);
    expect_same_logits(n, 1e-4);
}

}  // namespace
}  // namespace mdq
