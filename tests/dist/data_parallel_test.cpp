// DataParallel under mpirun: the initial broadcast, bucketed averaging started from the hooks
// during backward, parameters unused on one rank, and a model that differs between ranks.
#include "optim/train/data_parallel.h"

#include "tests/dist/mpi_world.h"
#include "tests/testing/dense_model.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::mpi_world;
using testing::throws_with;

const std::vector<int64_t> kWidths = {6, 40, 30, 20, 3};
constexpr uint64_t kRank0Seed = 100;

Tensor inputs(int rank) {
    return testing::random_tensor({5, 6}, 1000 + rank);
}
Tensor targets(int rank) {
    return testing::random_tensor({5, 3}, 2000 + rank);
}

// The average over ranks of each rank's gradient at rank 0's initial weights, computed here
// from every rank's data (each rank knows the seeds of all).
Tensor expected_average(int world_size, bool last_rank_uses_first_layer_only) {
    auto m = testing::make_mlp(kWidths, kRank0Seed);
    ParamArena arena(*m);
    Tensor total = Tensor::zeros({arena.size()});
    for (int r = 0; r < world_size; ++r) {
        arena.zero_grad();
        if (last_rank_uses_first_layer_only && r == world_size - 1) {
            sum((*m)[0](inputs(r))).backward();
        } else {
            testing::mse((*m)(inputs(r)), targets(r)).backward();
        }
        add_(total, arena.grads());
    }
    return total / static_cast<double>(world_size);
}

TEST(MpiDataParallel, AveragesThePerRankGradientsBucketByBucket) {
    auto& c = *mpi_world();
    auto m = testing::make_mlp(kWidths, kRank0Seed + 7 * c.rank());  // ranks start apart
    ParamArena arena(*m);
    DataParallel dp(arena, mpi_world(), testing::small_buckets());
    dp.broadcast_initial_state(*m);
    auto rank0 = testing::make_mlp(kWidths, kRank0Seed);
    EXPECT_TRUE(testing::all_equal(arena.values(), ParamArena(*rank0).values()));
    ASSERT_GE(dp.buckets().size(), 2u);

    arena.zero_grad();
    dp.start_step();
    testing::mse((*m)(inputs(c.rank())), targets(c.rank())).backward();
    dp.finish();
    EXPECT_TRUE(testing::all_close(arena.grads(), expected_average(c.size(), false), 1e-6, 1e-7));

    const auto& launches = dp.last_launches();
    ASSERT_EQ(launches.size(), dp.buckets().size());
    EXPECT_TRUE(launches[0].in_backward);
    EXPECT_LT(launches[0].grads_ready, static_cast<int>(arena.slots().size()))
        << "the first bucket should start while backward still has gradients to produce";
}

TEST(MpiDataParallel, ParametersUnusedOnOneRankStillMatch) {
    auto& c = *mpi_world();
    auto m = testing::make_mlp(kWidths, kRank0Seed);
    ParamArena arena(*m);
    DataParallel dp(arena, mpi_world(), testing::small_buckets());
    // The last rank's graph reaches only the first layer: its later buckets never fill, so
    // finish() starts them, in the same order as on the other ranks.
    const bool partial = c.rank() == c.size() - 1;
    for (int step = 0; step < 2; ++step) {
        arena.zero_grad();
        dp.start_step();
        if (partial) {
            sum((*m)[0](inputs(c.rank()))).backward();
        } else {
            testing::mse((*m)(inputs(c.rank())), targets(c.rank())).backward();
        }
        dp.finish();
        EXPECT_TRUE(
            testing::all_close(arena.grads(), expected_average(c.size(), true), 1e-6, 1e-7));
    }
    if (partial) {
        EXPECT_FALSE(dp.last_launches().front().in_backward);
    }
}

TEST(MpiDataParallel, ADifferentModelOnOneRankIsAnErrorEverywhere) {
    auto& c = *mpi_world();
    std::vector<int64_t> widths = kWidths;
    if (c.rank() == 1) widths[1] = 41;
    auto m = testing::make_mlp(widths, kRank0Seed);
    ParamArena arena(*m);
    DataParallel dp(arena, mpi_world());
    EXPECT_TRUE(throws_with([&] { dp.broadcast_initial_state(*m); },
                            {"1 rank(s) built a different model than rank 0",
                             "every rank must run the same configuration"}));
    c.barrier();
}

}  // namespace
}  // namespace mdq
