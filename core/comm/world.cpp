#include "core/comm/world.h"

#include <cerrno>
#include <cstdlib>

#include "core/error.h"

namespace mdq::comm {

namespace {

// The variable's value as a non-negative int, or -1 when unset.
int read_int(const EnvLookup& env, const char* name) {
    const char* text = env(name);
    if (!text) return -1;
    char* end = nullptr;
    errno = 0;
    const long v = std::strtol(text, &end, 10);
    MDQ_CHECK(*text != '\0' && *end == '\0' && errno == 0 && v >= 0 && v <= 1 << 30,
              "environment variable ", name, "='", text,
              "' is not a non-negative integer (set by the job launcher)");
    return static_cast<int>(v);
}

bool is_set(const EnvLookup& env, const char* name) {
    return env(name) != nullptr;
}

// Fills rank/size/local_rank from one launcher's variables; false when its rank is unset.
bool read_launcher(const EnvLookup& env, const char* launcher, const char* rank_var,
                   const char* size_var, const char* local_var, WorldInfo& out) {
    const int rank = read_int(env, rank_var);
    if (rank < 0) return false;
    const int size = read_int(env, size_var);
    MDQ_CHECK(size >= 1, launcher, " launch: ", rank_var, " is set but ", size_var,
              size < 0 ? " is not" : " is 0");
    MDQ_CHECK(rank < size, launcher, " launch: ", rank_var, "=", rank, " must be below ", size_var,
              "=", size);
    const int local = local_var ? read_int(env, local_var) : -1;
    out.rank = rank;
    out.size = size;
    out.local_rank = local >= 0 ? local : rank;  // no local index: assume a single node
    out.launcher = launcher;
    return true;
}

}  // namespace

WorldInfo detect_world(const EnvLookup& env) {
    MDQ_CHECK(env != nullptr, "detect_world: the environment lookup is empty");
    WorldInfo w;
    if (read_launcher(env, "openmpi", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE",
                      "OMPI_COMM_WORLD_LOCAL_RANK", w))
        return w;
    if (is_set(env, "SLURM_STEP_ID") || is_set(env, "SLURM_STEPID")) {
        const char* size_var =
            is_set(env, "SLURM_STEP_NUM_TASKS") ? "SLURM_STEP_NUM_TASKS" : "SLURM_NTASKS";
        if (read_launcher(env, "slurm", "SLURM_PROCID", size_var, "SLURM_LOCALID", w)) return w;
    }
    if (read_launcher(env, "pmi", "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", w)) return w;
    return WorldInfo{};
}

WorldInfo detect_world() {
    return detect_world(
        [](const char* name) { return static_cast<const char*>(std::getenv(name)); });
}

Device device_for_rank(Device requested, const WorldInfo& world, int visible_gpus) {
    MDQ_CHECK(
        world.size >= 1 && world.rank >= 0 && world.rank < world.size && world.local_rank >= 0,
        "device_for_rank: bad world (rank ", world.rank, " of ", world.size, ", local rank ",
        world.local_rank, ")");
    if (requested.is_cpu() || !world.distributed()) return requested;
    MDQ_CHECK(visible_gpus >= 1, "rank ", world.rank, " asked for ", requested.str(),
              " but sees no GPU");
    if (visible_gpus == 1) return Device::cuda(0);
    MDQ_CHECK(world.local_rank < visible_gpus, "rank ", world.rank, " is process ",
              world.local_rank, " on its node but the node shows only ", visible_gpus,
              " GPUs: start at most one process per GPU (mpirun -np / --map-by, or srun "
              "--ntasks-per-node), or give each process its GPU with CUDA_VISIBLE_DEVICES");
    return Device::cuda(world.local_rank);
}

}  // namespace mdq::comm
