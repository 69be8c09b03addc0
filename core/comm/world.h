// Where this process sits in a data-parallel job (docs/DESIGN.md decision 8), read from the
// variables its launcher sets: OpenMPI's mpirun (OMPI_COMM_WORLD_*), Slurm's srun
// (SLURM_PROCID, ...), or a PMI launcher such as MPICH's hydra (PMI_RANK, PMI_SIZE). Reading
// the environment touches neither MPI nor NCCL, so a single process never initialises them.
#pragma once

#include <functional>
#include <string>

#include "core/device.h"

namespace mdq::comm {

struct WorldInfo {
    int rank = 0;
    int size = 1;
    int local_rank = 0;             // index of this process on its node (picks the GPU)
    std::string launcher = "none";  // "openmpi", "slurm", "pmi" or "none"
    bool distributed() const { return size > 1; }
};

// Returns the value of an environment variable, or nullptr when it is unset.
using EnvLookup = std::function<const char*(const char* name)>;

// OpenMPI's variables win over Slurm's (mpirun inside a Slurm allocation sets both); Slurm's
// count only inside a job step (SLURM_STEP_ID set), since a batch script or salloc shell
// carries the allocation's SLURM_NTASKS without being one of its tasks. Without a launcher:
// rank 0 of 1. Throws ValueError naming the variable when a value is not a valid number.
WorldInfo detect_world(const EnvLookup& env);
WorldInfo detect_world();  // from the process environment

// The device a rank computes on. A CUDA request in a multi-process job becomes
// cuda:local_rank (one process per GPU), or cuda:0 when the launcher shows each process a
// single GPU (srun --gpus-per-task=1); CPU requests and single processes are kept as asked.
// Throws when the node has fewer visible GPUs than processes.
Device device_for_rank(Device requested, const WorldInfo& world, int visible_gpus);

}  // namespace mdq::comm
