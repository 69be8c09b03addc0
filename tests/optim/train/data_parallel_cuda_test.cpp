// DataParallel over the NCCL backend at world size 1 on the GPU (skipped without a GPU or
// NCCL): the path whose overhead `mdq bench train` measures on one GPU.
#include "optim/train/data_parallel.h"
#include "tests/testing/dense_model.h"
#include "tests/testing/nccl_one_rank.h"

namespace mdq {
namespace {

using testing::all_equal;

TEST(DataParallelCuda, NcclAtWorldSizeOneKeepsTheGradients) {
    SKIP_WITHOUT_NCCL();
    auto m = testing::make_mlp({6, 40, 30, 20, 3}, 11);
    m->to(Device::cuda(0));
    ParamArena arena(*m);
    DataParallel dp(arena, testing::nccl_one_rank(), testing::small_buckets());
    dp.broadcast_initial_state(*m);
    const Tensor x = testing::random_tensor({5, 6}, 1, -1, 1, DType::F32, Device::cuda(0));
    const Tensor y = testing::random_tensor({5, 3}, 2, -1, 1, DType::F32, Device::cuda(0));
    testing::mse((*m)(x), y).backward();
    const Tensor plain = arena.grads().to(Device::cpu());
    for (int step = 0; step < 3; ++step) {
        arena.zero_grad();
        dp.start_step();
        testing::mse((*m)(x), y).backward();
        dp.finish();
        EXPECT_TRUE(all_equal(arena.grads().to(Device::cpu()), plain));
        EXPECT_TRUE(dp.last_launches().front().in_backward);
    }
    dp.synchronize();
}

}  // namespace
}  // namespace mdq
