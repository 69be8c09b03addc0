// Batch-norm re-estimation with the hard weights: cumulative averages of per-batch statistics
// recovered from an EMA layer, parameters untouched, modes restored.
#include "optim/train/hard_eval.h"
#include "tests/testing/quant_models.h"

namespace mdq {
namespace {

using testing::throws_with;

// A batch-norm stand-in: running_mean/var updated as PyTorch does in train mode, with the
// unbiased batch variance, r <- (1 - m) r + m * stat.
class FakeBn : public Module {
  public:
    FakeBn(int64_t c, double momentum) : momentum_(momentum) {
        mean_ = &register_buffer("running_mean", Tensor::zeros({c}));
        var_ = &register_buffer("running_var", Tensor::ones({c}));
        register_parameter("scale", Tensor::ones({c}), ParamRole::NormScale);
    }
    Tensor forward(const Tensor& x) override {
        if (is_training()) {
            const int64_t n = x.size(0);
            const Tensor mu = mean(x, {0});
            const Tensor var = sum((x - mu) * (x - mu), {0}) * (1.0 / double(n - 1));
            mean_->copy_(*mean_ * (1 - momentum_) + mu * momentum_);
            var_->copy_(*var_ * (1 - momentum_) + var * momentum_);
        }
        return x;
    }
    std::string type_name() const override { return "FakeBn"; }

  private:
    double momentum_;
    Tensor *mean_, *var_;
};

TEST(HardEval, BatchNormRecalibrationAveragesBatchStatistics) {
    auto model = std::make_shared<Sequential>();
    model->add(std::make_shared<FakeBn>(3, 0.1), "bn");
    model->eval();
    std::vector<Tensor> batches;
    for (int i = 0; i < 4; ++i)
        batches.push_back(testing::random_tensor({8, 3}, 10 + i, -1.0 + i, 1.0 + 2 * i));
    size_t next = 0;
    auto source = [&](Tensor& b) {
        if (next == batches.size()) return false;
        b = batches[next++];
        return true;
    };
    const int64_t used = recalibrate_batch_norm(*model, source, 10);
    EXPECT_EQ(used, 4);
    EXPECT_FALSE(model->is_training());  // mode restored
    std::vector<double> em(3, 0), ev(3, 0);
    for (const Tensor& b : batches) {
        const auto v = b.to_vector<float>();
        for (int c = 0; c < 3; ++c) {
            double s = 0, q = 0;
            for (int i = 0; i < 8; ++i)
                s += v[i * 3 + c];
            const double mu = s / 8;
            for (int i = 0; i < 8; ++i)
                q += (v[i * 3 + c] - mu) * (v[i * 3 + c] - mu);
            em[c] += mu / 4;
            ev[c] += q / 7 / 4;
        }
    }
    const auto buffers = model->named_buffers();
    const auto rm = buffers[0].second->to_vector<float>(),
               rv = buffers[1].second->to_vector<float>();
    for (int c = 0; c < 3; ++c) {
        EXPECT_NEAR(rm[c], em[c], 1e-5);
        EXPECT_NEAR(rv[c], ev[c], 1e-5);
    }
    // max_batches caps the pass; a source without batches leaves the statistics alone.
    next = 0;
    EXPECT_EQ(recalibrate_batch_norm(*model, source, 2), 2);
    const auto before = buffers[0].second->clone();
    next = batches.size();
    EXPECT_TRUE(throws_with([&] { recalibrate_batch_norm(*model, source, 5); }, {"no batch"}));
    EXPECT_TRUE(testing::all_equal(*buffers[0].second, before));
    EXPECT_TRUE(
        throws_with([&] { recalibrate_batch_norm(*model, source, 5, {0.0}); }, {"momentum"}));
    auto plain = testing::param_zoo();
    EXPECT_TRUE(throws_with([&] { recalibrate_batch_norm(*plain, source, 5); },
                            {"no module with buffers 'running_mean' and 'running_var'"}));
}

}  // namespace
}  // namespace mdq
