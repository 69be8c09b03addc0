// DataParallel at world size 1 (LocalCommunicator): bucket layout, hooks that start buckets
// during backward, the step protocol and its errors. Over NCCL: data_parallel_cuda_test.cpp. The
// multi-rank behaviour is tested under mpirun in tests/dist.
#include "optim/train/data_parallel.h"

#include "core/comm/local_communicator.h"
#include "tests/testing/dense_model.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

std::shared_ptr<comm::Communicator> local() {
    return std::make_shared<comm::LocalCommunicator>(Device::cpu());
}

// Widths 6-40-30-20-3: slot sizes 240, 40, 1200, 30, 600, 20, 60, 3 (floats).
std::shared_ptr<Sequential> model() {
    return testing::make_mlp({6, 40, 30, 20, 3}, 11);
}

TEST(DataParallelBuckets, TileTheArenaInReverseOrder) {
    auto m = model();
    ParamArena arena(*m);
    DataParallelOptions o;
    o.first_bucket_bytes = 256;  // 64 floats
    o.bucket_bytes = 4096;       // 1024 floats
    const auto buckets = make_buckets(arena, o);
    ASSERT_GE(buckets.size(), 3u);
    EXPECT_EQ(buckets.front().end, arena.size());
    EXPECT_EQ(buckets.back().begin, 0);
    int expected_slot = static_cast<int>(arena.slots().size()) - 1;
    for (size_t b = 0; b < buckets.size(); ++b) {
        if (b > 0) {
            EXPECT_EQ(buckets[b].end, buckets[b - 1].begin);
        }
        for (int s : buckets[b].slots)
            EXPECT_EQ(s, expected_slot--);  // reverse registration order, no gaps
        EXPECT_EQ(buckets[b].begin,
                  arena.slots()[static_cast<size_t>(buckets[b].slots.back())].offset);
    }
    // The first bucket closes as soon as it holds 64 floats: the last two slots (3 + 60).
    EXPECT_EQ(buckets[0].slots, (std::vector<int>{7, 6}));
    // One big bucket when everything fits.
    EXPECT_EQ(make_buckets(arena, DataParallelOptions{}).size(), 1u);
    o.bucket_bytes = 0;
    EXPECT_TRUE(throws_with([&] { make_buckets(arena, o); }, {"bucket sizes must be positive"}));
}

TEST(DataParallel, BucketsStartDuringBackwardAndGradientsStayAtWorldSizeOne) {
    auto m = model();
    ParamArena arena(*m);
    DataParallel dp(arena, local(), testing::small_buckets());
    dp.broadcast_initial_state(*m);
    ASSERT_GE(dp.buckets().size(), 3u);
    const Tensor x = testing::random_tensor({5, 6}, 1), y = testing::random_tensor({5, 3}, 2);

    testing::mse((*m)(x), y).backward();
    const Tensor plain = arena.grads().clone();
    arena.zero_grad();
    dp.start_step();
    EXPECT_TRUE(dp.in_step());
    testing::mse((*m)(x), y).backward();
    dp.finish();
    EXPECT_FALSE(dp.in_step());
    EXPECT_TRUE(testing::all_equal(arena.grads(), plain));

    const auto& launches = dp.last_launches();
    ASSERT_EQ(launches.size(), dp.buckets().size());
    const int n = static_cast<int>(arena.slots().size());
    for (size_t i = 0; i < launches.size(); ++i) {
        EXPECT_EQ(launches[i].bucket, static_cast<int>(i));
        EXPECT_TRUE(launches[i].in_backward);
    }
    EXPECT_LT(launches[0].grads_ready, n);  // started while backward still had work to do
}

TEST(DataParallel, UnusedParametersAreReducedByFinish) {
    auto m = model();
    ParamArena arena(*m);
    DataParallel dp(arena, local(), testing::small_buckets());
    // Only the first layer runs: the buckets of the later ones never fill.
    dp.start_step();
    sum((*m)[0](testing::random_tensor({2, 6}, 3))).backward();
    dp.finish();
    const auto& launches = dp.last_launches();
    ASSERT_EQ(launches.size(), dp.buckets().size());
    EXPECT_FALSE(launches.front().in_backward);  // bucket 0 (the last layer) had no gradient
    for (size_t i = 0; i < launches.size(); ++i)
        EXPECT_EQ(launches[i].bucket, static_cast<int>(i));  // still in index order
}

TEST(DataParallel, StepProtocolErrors) {
    auto m = model();
    ParamArena arena(*m);
    DataParallel dp(arena, local());
    EXPECT_TRUE(throws_with([&] { dp.finish(); }, {"finish() without start_step()"}));
    dp.start_step();
    EXPECT_TRUE(throws_with([&] { dp.start_step(); }, {"start_step() called twice"}));
    const Tensor x = testing::random_tensor({2, 6}, 4);
    sum((*m)(x)).backward();
    EXPECT_TRUE(throws_with([&] { sum((*m)(x)).backward(); },
                            {"second gradient in one step", "start_step() before the last"}));
    dp.finish();
    // Unarmed backward passes (gradient accumulation, evaluation) are ignored.
    sum((*m)(x)).backward();
    auto other = model();
    EXPECT_TRUE(
        throws_with([&] { dp.broadcast_initial_state(*other); }, {"is not the arena's slot 0"}));
    EXPECT_TRUE(throws_with([&] { DataParallel bad(arena, nullptr); }, {"communicator is null"}));
}

TEST(DataParallel, HooksOutliveTheObjectHarmlessly) {
    auto m = model();
    ParamArena arena(*m);
    {
        DataParallel dp(arena, local());
        dp.start_step();
    }
    sum((*m)(testing::random_tensor({2, 6}, 5))).backward();
    DataParallel again(arena, local());
    again.start_step();
    sum((*m)(testing::random_tensor({2, 6}, 5))).backward();
    again.finish();
    EXPECT_EQ(again.last_launches().size(), again.buckets().size());
}

}  // namespace
}  // namespace mdq
