// The NCCL backend's watchdog (internal to the *_nccl.cpp files): a thread that follows every
// transfer the communicator started through its completion event, and the communicator's
// asynchronous error state. A transfer older than the timeout, or an NCCL error, makes it run
// the liveness check over MPI (when the job has MPI) to name the ranks that stopped answering,
// abort the NCCL communicator (ncclCommAbort: the stuck kernels return, so the GPU streams
// waiting on them move on) and record a CommError that the host thread's next call on the
// communicator throws. The host thread never waits on the GPU for this.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/comm/nccl_check.h"
#include "core/stream.h"

namespace mdq::comm::detail {

class NcclWatchdog {
  public:
    // `comm_mutex` guards every use of `comm`; the watchdog holds it while aborting.
    // use_mpi: answer and send liveness pings over MPI_COMM_WORLD.
    NcclWatchdog(ncclComm_t comm, std::mutex& comm_mutex, int device, int rank, double timeout_s,
                 bool use_mpi);
    ~NcclWatchdog();
    NcclWatchdog(const NcclWatchdog&) = delete;
    NcclWatchdog& operator=(const NcclWatchdog&) = delete;

    // Follows a transfer that is complete when `done` is.
    void watch(std::shared_ptr<Event> done, std::string what);
    // Throws the recorded failure. Call it holding comm_mutex before using the communicator:
    // after a failure the communicator has been aborted and must not be touched.
    void check() const;
    bool failed() const;
    // Stops and joins the thread (idempotent); true when it failed, in which case it has aborted
    // the communicator, which must not be finalized or aborted again.
    bool stop();

  private:
    struct Pending {
        std::shared_ptr<Event> done;
        std::string what;
        std::chrono::steady_clock::time_point start;
    };
    struct Problem {
        std::string what;      // empty: none
        bool overdue = false;  // `what` names a transfer past the timeout, else an error text
    };
    void loop();
    Problem find_problem();
    void fail(const Problem& problem);

    ncclComm_t comm_;
    std::mutex& comm_mutex_;
    int device_, rank_;
    double timeout_s_;
    bool use_mpi_;

    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Pending> pending_;
    std::string error_;
    bool failed_ = false, stop_ = false;
    std::thread thread_;
};

}  // namespace mdq::comm::detail
