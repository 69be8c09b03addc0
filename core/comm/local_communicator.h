// The communicator of a single process: every collective is the identity (a sum or average
// over one rank leaves the tensor as it is). Used at world size 1 so that one-GPU and CPU
// training run the data-parallel code path without MPI or NCCL.
#pragma once

#include "core/comm/communicator.h"

namespace mdq::comm {

class LocalCommunicator final : public Communicator {
  public:
    explicit LocalCommunicator(Device device, const CommOptions& options = {});

    const char* backend() const override { return "local"; }
    int rank() const override { return 0; }
    int size() const override { return 1; }
    int local_rank() const override { return 0; }
    Device device() const override { return device_; }

    std::unique_ptr<CommWork> all_reduce_async(const Tensor& t, AllReduceOp op) override;
    void broadcast(const Tensor& t, int root) override;
    void barrier() override {}

  private:
    Device device_;
};

}  // namespace mdq::comm
