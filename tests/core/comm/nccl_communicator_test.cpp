// The NCCL backend at world size 1 on the GPU (label gpu: skipped without a GPU or NCCL), and
// DataParallel over it: the path whose overhead `mdq bench train` measures on one GPU.
#include "core/comm/communicator.h"
#include "mdq/config.h"
#include "optim/train/data_parallel.h"
#include "tests/testing/dense_model.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_equal;

#define SKIP_WITHOUT_NCCL()                                               \
    do {                                                                  \
        MDQ_SKIP_IF_NO_CUDA();                                            \
        if (!MDQ_WITH_NCCL) GTEST_SKIP() << "mdq was built without NCCL"; \
    } while (0)

std::shared_ptr<comm::Communicator> nccl() {
    return comm::make_communicator("nccl", Device::cuda(0), comm::WorldInfo{},
                                   comm::CommOptions{60.0});
}

TEST(NcclCommunicatorCuda, CollectivesOfOneRank) {
    SKIP_WITHOUT_NCCL();
    auto c = nccl();
    EXPECT_STREQ(c->backend(), "nccl");
    EXPECT_EQ(c->size(), 1);
    EXPECT_EQ(c->device(), Device::cuda(0));
    const Tensor host = testing::random_tensor({1000003}, 1);
    for (comm::AllReduceOp op : {comm::AllReduceOp::Sum, comm::AllReduceOp::Average}) {
        Tensor t = host.to(Device::cuda(0));
        c->all_reduce(t, op);
        EXPECT_TRUE(all_equal(t.to(Device::cpu()), host));
        auto work = c->all_reduce_async(t, op);
        work->wait_on(current_stream(t.device()));
        EXPECT_TRUE(all_equal(t.to(Device::cpu()), host));
    }
    Tensor f64 = Tensor::full({7}, 2.5, DType::F64, Device::cuda(0));
    c->all_reduce(f64);
    EXPECT_TRUE(all_equal(f64.to(Device::cpu()), Tensor::full({7}, 2.5, DType::F64)));
    Tensor i64 = Tensor::full({5}, 42, DType::I64, Device::cuda(0));
    c->broadcast(i64, 0);
    EXPECT_TRUE(all_equal(i64.to(Device::cpu()), Tensor::full({5}, 42, DType::I64)));
    c->barrier();
    c->check_health();
    EXPECT_THROW(c->all_reduce(Tensor::zeros({3})), ValueError);  // a CPU tensor
}

TEST(DataParallelCuda, NcclAtWorldSizeOneKeepsTheGradients) {
    SKIP_WITHOUT_NCCL();
    auto m = testing::make_mlp({6, 40, 30, 20, 3}, 11);
    m->to(Device::cuda(0));
    ParamArena arena(*m);
    DataParallel dp(arena, nccl(), testing::small_buckets());
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
