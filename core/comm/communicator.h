// Communicator: the collectives of data-parallel training (docs/DESIGN.md decision 8) behind one
// interface with three backends: local (world size 1, touches neither MPI nor NCCL), MPI (CPU
// tensors; what the tests run under mpirun) and NCCL (GPU tensors, one process per GPU).
//
// Every rank must issue the same collectives in the same order with the same sizes. Every
// wait has a deadline (CommOptions::timeout_s): when another rank dies or stops answering,
// the call throws CommError naming it instead of hanging, and the job is marked failed so
// that the process's exit ends every rank (see core/comm/job.h).
#pragma once

#include <memory>
#include <string>

#include "core/comm/world.h"
#include "core/stream.h"
#include "core/tensor.h"

namespace mdq::comm {

// How an all-reduce combines the ranks' tensors (NCCL's ncclRedOp_t, MPI_Op).
enum class AllReduceOp : uint8_t { Sum, Average };
const char* all_reduce_op_name(AllReduceOp op);

// How error messages name a transfer: "the all-reduce (average) of 432 f32 values (1.7 KiB) on
// cpu", "the broadcast from rank 0 of ...".
std::string describe_all_reduce(const Tensor& t, AllReduceOp op);
std::string describe_broadcast(const Tensor& t, int root);

struct CommOptions {
    double timeout_s = 300.0;  // the train config's comm_timeout
};

// An all-reduce in flight.
class CommWork {
  public:
    virtual ~CommWork() = default;
    // True once the result is in the tensor as seen from the host. Never blocks; on the MPI
    // backend each call also advances the transfer (MPI moves non-blocking collectives
    // forward only inside MPI calls).
    virtual bool test() = 0;
    // Waits on the host until the result is in place; throws CommError past the deadline.
    virtual void wait() = 0;
    // Makes `s` (a stream of the communicator's device) wait for the result without a host
    // wait; a stalled transfer is then reported by the next call on the communicator. On the
    // CPU this is wait().
    virtual void wait_on(Stream s) = 0;
};

class Communicator {
  public:
    explicit Communicator(const CommOptions& options);
    virtual ~Communicator() = default;
    Communicator(const Communicator&) = delete;
    Communicator& operator=(const Communicator&) = delete;

    virtual const char* backend() const = 0;  // "local", "mpi" or "nccl"
    virtual int rank() const = 0;
    virtual int size() const = 0;
    virtual int local_rank() const = 0;
    virtual Device device() const = 0;  // where the tensors it reduces must live

    // Starts an in-place all-reduce of t (contiguous f32 or f64 on device()) and returns at
    // once. On a GPU the transfer is ordered after the work already queued on the caller's
    // current stream, and runs on the communicator's own stream. The work keeps t alive; read
    // t only after wait() or wait_on(). A work dropped unwaited makes the host (MPI) or the
    // caller's current stream (NCCL) wait for the transfer, so t's memory is never reused early.
    virtual std::unique_ptr<CommWork> all_reduce_async(const Tensor& t, AllReduceOp op) = 0;
    // all_reduce_async + wait() on the host.
    void all_reduce(const Tensor& t, AllReduceOp op = AllReduceOp::Sum);
    // all_reduce_async + wait_on(the caller's current stream): work queued after it sees the
    // result, and on a GPU the host does not wait (for collectives inside a step).
    void all_reduce_in_stream(const Tensor& t, AllReduceOp op = AllReduceOp::Sum);
    // Copies root's t into every rank's t (contiguous, any dtype, same shape everywhere);
    // returns when it is in place on this rank (host wait, with the deadline).
    virtual void broadcast(const Tensor& t, int root) = 0;
    // Returns once every rank has entered it (with the deadline).
    virtual void barrier() = 0;
    // Throws the error a background check recorded (the NCCL watchdog); no-op otherwise.
    virtual void check_health() {}

    double timeout_s() const { return options_.timeout_s; }

  protected:
    // Argument checks shared by the backends (throw ValueError naming `op`).
    void check_reducible(const char* op, const Tensor& t) const;
    void check_broadcastable(const char* op, const Tensor& t, int root) const;

  private:
    CommOptions options_;
};

// Picks and builds a backend. "auto": local at world size 1 (neither MPI nor NCCL is
// touched), otherwise NCCL for a CUDA device and MPI for the CPU. "local" needs world size 1;
// "mpi" a CPU device; "nccl" a CUDA device, and at world size 1 runs without MPI (how the
// overhead of the data-parallel path is measured on one GPU). `device` is this rank's device
// (see device_for_rank). Throws NotCompiledError for a backend this build lacks.
std::shared_ptr<Communicator> make_communicator(const std::string& backend, Device device,
                                                const CommOptions& options = {});
std::shared_ptr<Communicator> make_communicator(const std::string& backend, Device device,
                                                const WorldInfo& world,
                                                const CommOptions& options = {});

}  // namespace mdq::comm
