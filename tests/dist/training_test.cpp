// K steps of data-parallel training on 2 ranks: after every step the parameters are bitwise
// identical on all ranks, and after K steps they equal one process trained on the same global
// batches (each rank holds its contiguous share of a global batch) within float tolerance.
// Plain SGD, and MD-tanh-S (binary weights, Adam, beta annealing) with the quantizing
// optimizer of optim/quant_optimizer.h.
#include <functional>

#include "core/autograd.h"
#include "optim/quant_optimizer.h"
#include "optim/train/data_parallel.h"
#include "tests/dist/mpi_world.h"
#include "tests/testing/dense_model.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::mpi_world;

const std::vector<int64_t> kWidths = {8, 24, 16, 4};
constexpr int64_t kGlobalBatch = 16;
constexpr int kSteps = 6;
constexpr uint64_t kRank0Seed = 40;

Tensor global_inputs(int step) {
    return testing::random_tensor({kGlobalBatch, 8}, 500 + step);
}
Tensor global_targets(int step) {
    return testing::random_tensor({kGlobalBatch, 4}, 700 + step);
}
Tensor share(const Tensor& global, int rank, int world_size) {
    const int64_t per_rank = global.size(0) / world_size;
    return global.slice(0, rank * per_rank, (rank + 1) * per_rank).contiguous();
}

// Makes the optimizer of an arena (after the initial broadcast) and returns its step.
using OptimizerFactory = std::function<std::function<void()>(ParamArena&)>;

// Trains K steps on 2+ ranks and on one process; compares the final parameters.
void expect_data_parallel_equals_one_process(const OptimizerFactory& make_optimizer, double rtol,
                                             double atol) {
    auto& c = *mpi_world();
    ASSERT_EQ(kGlobalBatch % c.size(), 0);
    auto m = testing::make_mlp(kWidths, kRank0Seed + c.rank());  // ranks start apart
    ParamArena arena(*m);
    DataParallel dp(arena, mpi_world());
    dp.broadcast_initial_state(*m);
    const std::function<void()> step_fn = make_optimizer(arena);
    for (int step = 0; step < kSteps; ++step) {
        arena.zero_grad();
        const Tensor x = share(global_inputs(step), c.rank(), c.size());
        const Tensor y = share(global_targets(step), c.rank(), c.size());
        const Tensor loss = testing::mse((*m)(x), y);
        dp.start_step();
        loss.backward();
        dp.finish();
        step_fn();
        Tensor rank0 = arena.values().clone();
        c.broadcast(rank0, 0);
        ASSERT_TRUE(testing::all_equal(arena.values(), rank0)) << "ranks diverged at step " << step;
    }

    auto single = testing::make_mlp(kWidths, kRank0Seed);  // rank 0's initial weights
    ParamArena one(*single);
    const std::function<void()> single_step = make_optimizer(one);
    for (int step = 0; step < kSteps; ++step) {
        one.zero_grad();
        testing::mse((*single)(global_inputs(step)), global_targets(step)).backward();
        single_step();
    }
    EXPECT_TRUE(testing::all_close(arena.values(), one.values(), rtol, atol));
}

TEST(MpiTraining, SgdRanksStayIdenticalAndMatchOneProcessOnTheGlobalBatch) {
    expect_data_parallel_equals_one_process(
        [](ParamArena& arena) {
            return [&arena] {
                NoGradGuard no_grad;
                add_(arena.values(), arena.grads(), -0.2);
            };
        },
        1e-5, 1e-6);
}

TEST(MpiTraining, MdTanhSRanksStayIdenticalAndMatchOneProcessOnTheGlobalBatch) {
    std::vector<std::shared_ptr<QuantOptimizer>> keep;
    expect_data_parallel_equals_one_process(
        [&keep](ParamArena& arena) {
            QuantConfig qc;
            qc.spec.method = Method::MdTanhS;
            qc.spec.levels = 2;
            qc.layer_types = {"Dense"};
            qc.seed = 7;
            OptimConfig oc;
            oc.base = BaseOptimizer::Adam;
            oc.lr = LrSchedule::constant(1e-2);
            oc.beta.rho = 1.5;
            oc.beta.interval = 2;
            auto opt = std::make_shared<QuantOptimizer>(arena, qc, oc);
            keep.push_back(opt);
            return [opt] { opt->step(); };
        },
        1e-5, 1e-6);
    ASSERT_EQ(keep.size(), 2u);
    EXPECT_EQ(keep[0]->step_count(), kSteps);
    EXPECT_GT(keep[0]->beta(), 1.0);  // annealed
}

}  // namespace
}  // namespace mdq
