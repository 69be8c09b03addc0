// Exports of weights that their layers quantize (EWGS): the codes and |alpha| the export writes
// reproduce the layer's hard forward, an export loaded into a fresh model gives its logits bit
// for bit, and the bit kernels run it with the scale.
#include "optim/train/model_export.h"

#include <cmath>

#include "core/autograd.h"
#include "kernels/elementwise/binary.h"
#include "layers/weight_quant.h"
#include "models/registry.h"
#include "optim/train/bit_model.h"
#include "optim/train/train_config.h"
#include "tests/testing/data_files.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

Config ewgs_config(int levels) {
    Config cfg = make_train_config();
    for (const std::string s : {"device=cpu", "model=small-cnn", "method=ewgs"})
        cfg.set(s);
    cfg.set("levels=" + std::to_string(levels));
    return cfg;
}

std::unique_ptr<Experiment> ewgs_experiment(int levels) {
    return std::make_unique<Experiment>(ewgs_config(levels),
                                        resolve_options("small-cnn", ModelOptions{}));
}

// Intervals from the weights (narrowed, so that the end levels are used too) and distinct
// output scales, as training would leave them.
void set_quantizers(Module& model) {
    double alpha = 0.3;
    for (auto& [name, q] : weight_quantizers(model)) {
        q->calibrate_interval(model.find_parameter(name)->value * 0.5);
        q->set_scale(alpha);
        alpha += 0.25;
    }
}

Tensor input() {
    return testing::random_tensor({4, 28, 28, 1}, 5, -1.0, 2.0);
}

Tensor logits(Module& m) {
    NoGradGuard g;
    m.eval();
    return m(input()).to(DType::F32);
}

TEST(ModelExport, LayerQuantizedCodesGiveTheEwgsForward) {
    for (int levels : {2, 3, 4, 16}) {
        SCOPED_TRACE(levels);
        auto ex = ewgs_experiment(levels);
        set_quantizers(*ex->model);
        const auto codes = layer_quantized_codes(*ex->model);
        const auto quantizers = weight_quantizers(*ex->model);
        ASSERT_EQ(codes.size(), quantizers.size());
        ASSERT_EQ(codes.size(), 4u);
        for (size_t i = 0; i < codes.size(); ++i) {
            const auto& [name, w] = codes[i];
            EXPECT_EQ(name, quantizers[i].first);
            EXPECT_EQ(w.packed.levels, levels);
            EXPECT_NEAR(w.scale, 0.3 + 0.25 * i, 1e-7);
            const Tensor latent = ex->model->find_parameter(name)->value;
            std::vector<float> want;
            {
                NoGradGuard g;
                want = (*quantizers[i].second)(latent).to_vector<float>();
            }
            const std::vector<uint8_t> c = unpack_codes(w.packed).to_vector<uint8_t>();
            std::vector<int> used(levels, 0);
            ASSERT_EQ(c.size(), want.size());
            for (size_t j = 0; j < c.size(); ++j) {
                ASSERT_LT(c[j], levels);
                used[c[j]] = 1;
                const double v = w.scale * (2.0 * c[j] / (levels - 1) - 1.0);
                ASSERT_NEAR(v, want[j], 1e-6 * w.scale) << name << " " << j;
            }
            EXPECT_EQ(std::count(used.begin(), used.end(), 1), levels) << name;
        }
    }
}

TEST(ModelExport, EwgsExportLoadsIntoTheSameLogitsAndRunsOnBits) {
    for (int levels : {2, 3, 4}) {
        SCOPED_TRACE(levels);
        auto ex = ewgs_experiment(levels);
        set_quantizers(*ex->model);
        const std::vector<float> want = logits(*ex->model).to_vector<float>();
        testing::TempDir dir("ewgs_export");
        write_export(dir / "export", *ex);
        const ExportedModel e = read_export(dir / "export");
        ASSERT_EQ(e.packed.size(), 4u);
        auto fresh = ewgs_experiment(levels);
        load_export(e, *fresh);
        // The latent weights sit on their codes' points: the same x_q and |alpha|, bit for bit.
        EXPECT_EQ(logits(*fresh->model).to_vector<float>(), want);
        if (levels > 3) continue;  // the bit kernels take binary and ternary weights
        BitModel bits(*fresh->model, e.packed, e.scales);
        EXPECT_EQ(bits.bit_layers(), 4);
        const std::vector<float> got = bits.forward(input()).to_vector<float>();
        ASSERT_EQ(got.size(), want.size());
        for (size_t i = 0; i < got.size(); ++i)
            EXPECT_NEAR(got[i], want[i], 1e-3 * (1 + std::abs(want[i]))) << i;
    }
}

TEST(ModelExport, EwgsLevelsBeyondEightBitsAreRefused) {
    // method=ewgs stops at 256 levels; a model quantized by hand can have more.
    ModulePtr m = build_model("small-cnn", resolve_options("small-cnn", ModelOptions{}));
    attach_weight_quantizers(*m, 0.0, [](const std::string&) { return 300; });
    EXPECT_TRUE(testing::throws_with([&] { layer_quantized_codes(*m); },
                                     {"conv1.weight", "300 EWGS levels", "at most 256 levels"}));
}

}  // namespace
}  // namespace mdq
