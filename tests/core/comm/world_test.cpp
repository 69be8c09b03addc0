// detect_world: rank, size and local rank from the launchers' environment variables.
#include <map>
#include <string>

#include "core/comm/world.h"
#include "tests/testing/test_util.h"

namespace mdq::comm {
namespace {

using testing::throws_with;

WorldInfo detect(const std::map<std::string, std::string>& vars) {
    return detect_world([&](const char* name) -> const char* {
        auto it = vars.find(name);
        return it == vars.end() ? nullptr : it->second.c_str();
    });
}

TEST(DetectWorld, NoLauncherIsOneProcess) {
    const WorldInfo w = detect({});
    EXPECT_EQ(w.rank, 0);
    EXPECT_EQ(w.size, 1);
    EXPECT_EQ(w.local_rank, 0);
    EXPECT_EQ(w.launcher, "none");
    EXPECT_FALSE(w.distributed());
}

TEST(DetectWorld, OpenMpi) {
    const WorldInfo w = detect({{"OMPI_COMM_WORLD_RANK", "5"},
                                {"OMPI_COMM_WORLD_SIZE", "16"},
                                {"OMPI_COMM_WORLD_LOCAL_RANK", "5"}});
    EXPECT_EQ(w.rank, 5);
    EXPECT_EQ(w.size, 16);
    EXPECT_EQ(w.local_rank, 5);
    EXPECT_EQ(w.launcher, "openmpi");
    EXPECT_TRUE(w.distributed());
}

TEST(DetectWorld, OpenMpiWinsOverTheSlurmAllocationAroundIt) {
    const WorldInfo w = detect({{"OMPI_COMM_WORLD_RANK", "9"},
                                {"OMPI_COMM_WORLD_SIZE", "16"},
                                {"OMPI_COMM_WORLD_LOCAL_RANK", "1"},
                                {"SLURM_STEP_ID", "0"},
                                {"SLURM_PROCID", "0"},
                                {"SLURM_NTASKS", "2"}});
    EXPECT_EQ(w.launcher, "openmpi");
    EXPECT_EQ(w.rank, 9);
    EXPECT_EQ(w.local_rank, 1);
}

TEST(DetectWorld, SlurmStep) {
    const WorldInfo w = detect({{"SLURM_STEP_ID", "0"},
                                {"SLURM_PROCID", "11"},
                                {"SLURM_NTASKS", "16"},
                                {"SLURM_STEP_NUM_TASKS", "16"},
                                {"SLURM_LOCALID", "3"}});
    EXPECT_EQ(w.launcher, "slurm");
    EXPECT_EQ(w.rank, 11);
    EXPECT_EQ(w.size, 16);
    EXPECT_EQ(w.local_rank, 3);
}

TEST(DetectWorld, SlurmBatchScriptOutsideAStepIsOneProcess) {
    // sbatch and salloc shells carry the allocation's task count but are not its tasks.
    const WorldInfo w = detect({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "16"}});
    EXPECT_EQ(w.size, 1);
    EXPECT_EQ(w.launcher, "none");
}

TEST(DetectWorld, PmiFallbackWithAndWithoutLocalRank) {
    WorldInfo w = detect({{"PMI_RANK", "3"}, {"PMI_SIZE", "4"}, {"MPI_LOCALRANKID", "1"}});
    EXPECT_EQ(w.launcher, "pmi");
    EXPECT_EQ(w.rank, 3);
    EXPECT_EQ(w.size, 4);
    EXPECT_EQ(w.local_rank, 1);
    w = detect({{"PMI_RANK", "3"}, {"PMI_SIZE", "4"}});
    EXPECT_EQ(w.local_rank, 3);  // no local index: a single node is assumed
}

TEST(DetectWorld, BadValuesNameTheVariable) {
    EXPECT_TRUE(throws_with(
        [] {
            detect({{"OMPI_COMM_WORLD_RANK", "x1"}, {"OMPI_COMM_WORLD_SIZE", "2"}});
        },
        {"OMPI_COMM_WORLD_RANK='x1'", "not a non-negative integer"}));
    EXPECT_TRUE(throws_with(
        [] {
            detect({{"OMPI_COMM_WORLD_RANK", "1"}});
        },
        {"OMPI_COMM_WORLD_SIZE", "is not"}));
    EXPECT_TRUE(throws_with(
        [] {
            detect({{"OMPI_COMM_WORLD_RANK", "2"}, {"OMPI_COMM_WORLD_SIZE", "2"}});
        },
        {"OMPI_COMM_WORLD_RANK=2", "below", "OMPI_COMM_WORLD_SIZE=2"}));
    EXPECT_TRUE(throws_with(
        [] {
            detect({{"PMI_RANK", "0"}, {"PMI_SIZE", "-4"}});
        },
        {"PMI_SIZE='-4'"}));
}

TEST(DeviceForRank, OneProcessPerGpu) {
    WorldInfo w;
    w.rank = 10;
    w.size = 16;
    w.local_rank = 2;
    EXPECT_EQ(device_for_rank(Device::cuda(0), w, 8), Device::cuda(2));
    EXPECT_EQ(device_for_rank(Device::cuda(5), w, 1), Device::cuda(0));  // srun gpus-per-task
    EXPECT_EQ(device_for_rank(Device::cpu(), w, 8), Device::cpu());
    EXPECT_EQ(device_for_rank(Device::cuda(3), WorldInfo{}, 8), Device::cuda(3));
    w.local_rank = 8;
    EXPECT_TRUE(throws_with([&] { device_for_rank(Device::cuda(0), w, 8); },
                            {"rank 10", "only 8 GPUs", "one process per GPU"}));
    EXPECT_TRUE(throws_with([&] { device_for_rank(Device::cuda(0), w, 0); }, {"sees no GPU"}));
}

}  // namespace
}  // namespace mdq::comm
