// K steps of data-parallel training on 2 ranks: after every step the parameters are bitwise
// identical on all ranks, and after K steps they equal one process trained on the same global
// batches (each rank holds its contiguous share of a global batch) within float tolerance.
#include "core/autograd.h"
#include "optim/data_parallel.h"
#include "tests/dist/mpi_world.h"
#include "tests/testing/dense_model.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::mpi_world;

const std::vector<int64_t> kWidths = {8, 24, 16, 4};
constexpr int64_t kGlobalBatch = 16;
constexpr int kSteps = 6;
constexpr double kLr = 0.2;

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

// Plain SGD on the flat arena: one in-place update of every parameter.
void sgd_step(ParamArena& arena) {
    NoGradGuard no_grad;
    add_(arena.values(), arena.grads(), -kLr);
}

TEST(MpiTraining, RanksStayIdenticalAndMatchOneProcessOnTheGlobalBatch) {
    auto& c = *mpi_world();
    ASSERT_EQ(kGlobalBatch % c.size(), 0);
    auto m = testing::make_mlp(kWidths, 40 + c.rank());
    ParamArena arena(*m);
    DataParallel dp(arena, mpi_world());
    dp.broadcast_initial_state(*m);

    for (int step = 0; step < kSteps; ++step) {
        arena.zero_grad();
        const Tensor x = share(global_inputs(step), c.rank(), c.size());
        const Tensor y = share(global_targets(step), c.rank(), c.size());
        const Tensor loss = testing::mse((*m)(x), y);
        dp.start_step();
        loss.backward();
        dp.finish();
        sgd_step(arena);
        Tensor rank0 = arena.values().clone();
        c.broadcast(rank0, 0);
        ASSERT_TRUE(testing::all_equal(arena.values(), rank0)) << "ranks diverged at step " << step;
    }

    auto single = testing::make_mlp(kWidths, 40);  // rank 0's initial weights
    ParamArena one(*single);
    for (int step = 0; step < kSteps; ++step) {
        one.zero_grad();
        testing::mse((*single)(global_inputs(step)), global_targets(step)).backward();
        sgd_step(one);
    }
    EXPECT_TRUE(testing::all_close(arena.values(), one.values(), 1e-5, 1e-6));
}

}  // namespace
}  // namespace mdq
