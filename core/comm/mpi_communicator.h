// The MPI backend (compiled only when MPI is found): collectives on CPU tensors over a
// duplicate of MPI_COMM_WORLD. All-reduces are non-blocking (MPI_Iallreduce); MPI moves them
// forward inside MPI calls, which CommWork::test() and the waits make. Waits poll with
// MPI_Test until the deadline, answering liveness pings (core/comm/mpi_wait.h), so a rank
// that dies makes the others throw CommError naming it.
#pragma once

#include <memory>

#include "core/comm/communicator.h"

namespace mdq::comm {

class MpiCommunicator final : public Communicator {
  public:
    // Initialises MPI when needed. `world` must agree with MPI_COMM_WORLD (checked).
    explicit MpiCommunicator(const WorldInfo& world, const CommOptions& options = {});
    ~MpiCommunicator() override;

    const char* backend() const override { return "mpi"; }
    int rank() const override { return world_.rank; }
    int size() const override { return world_.size; }
    int local_rank() const override { return world_.local_rank; }
    Device device() const override { return Device::cpu(); }

    std::unique_ptr<CommWork> all_reduce_async(const Tensor& t, AllReduceOp op) override;
    void broadcast(const Tensor& t, int root) override;
    void barrier() override;

  private:
    struct Impl;
    WorldInfo world_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mdq::comm
