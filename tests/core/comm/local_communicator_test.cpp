// LocalCommunicator (world size 1): collectives are the identity, arguments are checked.
#include "core/comm/local_communicator.h"
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

}  // namespace
}  // namespace mdq::comm
