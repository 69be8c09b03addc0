// make_communicator: "auto" picks the local backend for one process without MPI; impossible
// choices (a backend this build lacks, NCCL on the CPU, local for two ranks) are errors.
#include "core/comm/communicator.h"
#include "mdq/config.h"
#include "tests/testing/test_util.h"

namespace mdq::comm {
namespace {

using testing::throws_with;

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
