// LocalCommunicator (world size 1) and the backend factory.
#include "core/comm/local_communicator.h"
#include "mdq/config.h"
#include "tests/testing/test_util.h"

namespace mdq::comm {
namespace {

using testing::throws_with;

TEST(LocalCommunicator, CollectivesAreTheIdentity) {
    LocalCommunicator c(Device::cpu());
    EXPECT_STREQ(c.backend(), "local");
    EXPECT_EQ(c.rank(), 0);
    EXPECT_EQ(c.size(), 1);
    EXPECT_EQ(c.timeout_s(), 300.0);
    Tensor t = Tensor::from_vector<float>({1.5f, -2.f, 3.f}, {3});
    c.all_reduce(t, AllReduceOp::Sum);
    c.all_reduce(t, AllReduceOp::Average);
    auto work = c.all_reduce_async(t, AllReduceOp::Average);
    EXPECT_TRUE(work->test());
    work->wait_on(Stream());
    c.all_reduce_in_stream(t);
    c.broadcast(Tensor::zeros({2}, DType::I64), 0);
    c.barrier();
    EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{1.5f, -2.f, 3.f}));
}

TEST(LocalCommunicator, ChecksArguments) {
    LocalCommunicator c(Device::cpu());
    EXPECT_TRUE(throws_with([&] { c.all_reduce(Tensor::zeros({2}, DType::I32)); },
                            {"all_reduce (local)", "f32 or f64", "i32"}));
    Tensor m = Tensor::zeros({3, 4});
    EXPECT_TRUE(throws_with([&] { c.all_reduce(m.transpose(0, 1)); }, {"contiguous"}));
    EXPECT_TRUE(throws_with([&] { c.broadcast(m, 1); }, {"root 1", "world of 1"}));
    EXPECT_TRUE(throws_with([&] { c.all_reduce(Tensor()); }, {"undefined"}));
    EXPECT_TRUE(throws_with([] { LocalCommunicator bad(Device::cpu(), CommOptions{0.0}); },
                            {"timeout", "comm_timeout"}));
}

TEST(MakeCommunicator, PicksLocalForOneProcessWithoutMpi) {
    auto c = make_communicator("auto", Device::cpu(), WorldInfo{}, CommOptions{7.0});
    EXPECT_STREQ(c->backend(), "local");
    EXPECT_EQ(c->timeout_s(), 7.0);
    EXPECT_STREQ(make_communicator("local", Device::cpu(), WorldInfo{})->backend(), "local");
}

TEST(MakeCommunicator, RejectsImpossibleChoices) {
    WorldInfo two;
    two.size = 2;
    two.launcher = "openmpi";
    EXPECT_TRUE(throws_with([&] { make_communicator("local", Device::cpu(), two); },
                            {"local backend", "started 2"}));
    EXPECT_TRUE(throws_with([] { make_communicator("gloo", Device::cpu(), WorldInfo{}); },
                            {"unknown communicator backend 'gloo'", "auto, local, mpi or nccl"}));
    EXPECT_TRUE(throws_with([] { make_communicator("nccl", Device::cpu(), WorldInfo{}); },
                            {"NCCL backend reduces GPU tensors", "cpu"}));
    if (!MDQ_WITH_NCCL) {
        EXPECT_THROW(make_communicator("nccl", Device::cuda(0), WorldInfo{}), NotCompiledError);
    }
    if (!MDQ_WITH_MPI) {
        EXPECT_THROW(make_communicator("mpi", Device::cpu(), two), NotCompiledError);
    }
    EXPECT_TRUE(throws_with([&] { make_communicator("mpi", Device::cuda(0), two); },
                            {"MPI backend reduces CPU tensors"}));
}

}  // namespace
}  // namespace mdq::comm
