// The NCCL backend at world size 1 on the GPU (skipped without a GPU or NCCL); DataParallel
// over it is tested in tests/optim/train/data_parallel_cuda_test.cpp.
#include "core/comm/communicator.h"
#include "tests/testing/nccl_one_rank.h"

namespace mdq {
namespace {

using testing::all_equal;

TEST(NcclCommunicatorCuda, CollectivesOfOneRank) {
    SKIP_WITHOUT_NCCL();
    auto c = testing::nccl_one_rank();
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

}  // namespace
}  // namespace mdq
