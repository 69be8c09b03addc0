// End to end: an MLP trained with annealed beta on a synthetic 4-class problem, for binary,
// ternary and 4-level weights (and the other method families). Afterwards every exported
// weight is exactly a level, evaluation from the packed export equals evaluation with the
// hard-quantized float weights bit for bit, the network is accurate with hard weights, and it
// has not collapsed onto few levels.
#include <cmath>

#include "layers/activation.h"
#include "optim/train/hard_eval.h"
#include "optim/quant_optimizer.h"
#include "tests/testing/quant_models.h"

namespace mdq {
namespace {

struct Data {
    Tensor x, y;
};

// Four Gaussian-like clusters around random +-1 corners of a 16-D cube.
Data make_data(int64_t n, uint64_t seed) {
    const Tensor centers = testing::random_tensor({4, 16}, 4242, -1, 1);
    const std::vector<float> c = centers.to_vector<float>();
    const std::vector<float> noise =
        testing::random_tensor({n, 16}, seed, -1, 1).to_vector<float>();
    std::vector<float> x(static_cast<size_t>(n * 16));
    std::vector<int64_t> y(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
        y[i] = i % 4;
        for (int j = 0; j < 16; ++j)
            x[i * 16 + j] = (c[y[i] * 16 + j] > 0 ? 1.0f : -1.0f) + 0.9f * noise[i * 16 + j];
    }
    return {Tensor::from_vector(x, {n, 16}), Tensor::from_vector(y, {n})};
}

std::shared_ptr<Sequential> mlp() {
    auto m = std::make_shared<Sequential>();
    m->add(std::make_shared<testing::TestLinear>(16, 24, 1), "fc1");
    m->add(std::make_shared<ReLU>());
    m->add(std::make_shared<testing::TestLinear>(24, 4, 3), "fc2");
    return m;
}

struct TrainRun {
    const char* method;
    int levels;
};

class QuantTrain : public ::testing::TestWithParam<TrainRun> {};

TEST_P(QuantTrain, AnnealedTrainingExportsExactLevels) {
    const TrainRun r = GetParam();
    const Data train = make_data(128, 1), test = make_data(128, 2);
    auto model = mlp();
    ParamArena arena(*model);
    QuantConfig qc;
    qc.spec.method = parse_method(r.method);
    qc.spec.levels = r.levels;
    qc.spec.stable = true;
    qc.seed = 7;
    OptimConfig oc;
    oc.lr = LrSchedule::step(1e-2, 150, 0.3);
    oc.beta.rho = 1.05;
    oc.beta.interval = 2;
    QuantOptimizer opt(arena, qc, oc);
    // Minibatches of 64 of the 128 training points.
    const Tensor xb[2] = {train.x.slice(0, 0, 64), train.x.slice(0, 64, 128)};
    const Tensor yb[2] = {train.y.slice(0, 0, 64), train.y.slice(0, 64, 128)};
    for (int t = 0; t < 200; ++t) {
        arena.zero_grad();
        cross_entropy((*model)(xb[t % 2]), yb[t % 2]).backward();
        opt.step();
    }
    model->eval();
    NoGradGuard no_grad;
    Tensor hard_logits;
    {
        HardWeights hard(opt);
        hard_logits = (*model)(test.x);
    }
    EXPECT_GE(testing::accuracy(hard_logits, test.y), 0.9) << r.method << "/" << r.levels;

    // Every exported weight is exactly a level, and every level is in use.
    const auto packed = opt.export_packed();
    std::vector<int64_t> count(r.levels, 0);
    int64_t total = 0;
    for (const auto& [name, p] : packed) {
        for (float v : unpack_values(p).reshape({-1}).to_vector<float>()) {
            const int k = math::nearest_level(v, r.levels);
            ASSERT_EQ(v, math::level_value<float>(k, r.levels)) << name;
            ++count[k];
            ++total;
        }
    }
    // Not collapsed: every level holds a sixteenth of its fair share (1/(d-1)) at least.
    for (int k = 0; k < r.levels; ++k)
        EXPECT_GT(count[k], total / (16 * (r.levels - 1))) << "level " << k << " nearly unused";

    // Evaluation from the packed export equals evaluation with the hard float weights.
    auto fresh = mlp();
    ParamArena fresh_arena(*fresh);
    load_packed_weights(fresh_arena, packed);
    fresh->eval();
    EXPECT_TRUE(testing::all_equal((*fresh)(test.x), hard_logits));
}

INSTANTIATE_TEST_SUITE_P(Methods, QuantTrain,
                         ::testing::Values(TrainRun{"md-tanh-s", 2}, TrainRun{"md-tanh-s", 3},
                                           TrainRun{"md-tanh-s", 4}, TrainRun{"md-softmax-s", 2},
                                           TrainRun{"pmf", 3}, TrainRun{"md-tanh", 3},
                                           TrainRun{"dorefa", 4}),
                         [](const ::testing::TestParamInfo<TrainRun>& i) {
                             std::string n =
                                 std::string(i.param.method) + "_" + std::to_string(i.param.levels);
                             for (char& c : n)
                                 if (c == '-') c = '_';
                             return n;
                         });

}  // namespace
}  // namespace mdq
