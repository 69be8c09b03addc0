// The NCCL backend (compiled only with NCCL): collectives on GPU tensors, one process per GPU.
// Construction follows docs/DESIGN.md decision 8: cudaSetDevice(device) first; rank 0 makes the
// unique id and, in a multi-process job, broadcasts it over MPI followed by MPI_Barrier; then
// a non-blocking ncclCommInitRankConfig polled with the deadline. At world size 1 MPI is not
// touched (the id stays in the process).
//
// Transfers run on the communicator's own high-priority stream, ordered after the caller's
// current stream with an event; their completion events are followed by a watchdog thread
// that aborts the communicator and records a CommError naming the silent ranks when one is
// late (core/comm/nccl_watchdog.h). Average uses ncclAvg (no separate scaling pass).
#pragma once

#include <memory>

#include "core/comm/communicator.h"

namespace mdq::comm {

class NcclCommunicator final : public Communicator {
  public:
    NcclCommunicator(const WorldInfo& world, Device device, const CommOptions& options = {});
    ~NcclCommunicator() override;  // ncclCommFinalize + ncclCommDestroy (abort when stuck)

    const char* backend() const override { return "nccl"; }
    int rank() const override { return world_.rank; }
    int size() const override { return world_.size; }
    int local_rank() const override { return world_.local_rank; }
    Device device() const override { return device_; }

    std::unique_ptr<CommWork> all_reduce_async(const Tensor& t, AllReduceOp op) override;
    void broadcast(const Tensor& t, int root) override;
    void barrier() override;
    void check_health() override;

    Stream stream() const;  // where the transfers run

    struct State;  // shared with the works in flight

  private:
    WorldInfo world_;
    Device device_;
    std::shared_ptr<State> state_;
};

}  // namespace mdq::comm
