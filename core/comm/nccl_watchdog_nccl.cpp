#include "core/comm/nccl_watchdog.h"

#include <cstdio>
#include <vector>

#include "core/cuda_check.h"
#include "mdq/config.h"

#if MDQ_WITH_MPI
#include "core/comm/mpi_runtime.h"
#include "core/comm/mpi_wait.h"
#endif

namespace mdq::comm::detail {

using ::mdq::detail::cat;

namespace {
constexpr auto kPollInterval = std::chrono::milliseconds(20);
}

NcclWatchdog::NcclWatchdog(ncclComm_t comm, std::mutex& comm_mutex, int device, int rank,
                           double timeout_s, bool use_mpi)
    : comm_(comm),
      comm_mutex_(comm_mutex),
      device_(device),
      rank_(rank),
      timeout_s_(timeout_s),
      use_mpi_(use_mpi) {
    thread_ = std::thread([this] { loop(); });
}

NcclWatchdog::~NcclWatchdog() {
    stop();
}

bool NcclWatchdog::stop() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();  // a failure in progress finishes its abort first
    return failed();
}

void NcclWatchdog::watch(std::shared_ptr<Event> done, std::string what) {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back({std::move(done), std::move(what), std::chrono::steady_clock::now()});
}

void NcclWatchdog::check() const {
    std::lock_guard<std::mutex> lock(mu_);
    if (failed_) throw CommError(error_);
}

bool NcclWatchdog::failed() const {
    std::lock_guard<std::mutex> lock(mu_);
    return failed_;
}

NcclWatchdog::Problem NcclWatchdog::find_problem() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        try {
            while (!pending_.empty() && pending_.front().done->query())
                pending_.pop_front();
        } catch (const std::exception& e) {
            // A sticky error of any kernel surfaces here, not only a collective's.
            const std::string why =
                cat("rank ", rank_,
                    ": a CUDA error was reported while a collective was pending: ", e.what(),
                    "; rerun with MDQ_CUDA_SYNC_DEBUG=1 to find the kernel that failed");
            return {why, false};
        }
        if (!pending_.empty()) {
            const std::chrono::duration<double> age =
                std::chrono::steady_clock::now() - pending_.front().start;
            if (age.count() > timeout_s_) return {pending_.front().what, true};
        }
    }
    ncclResult_t state = ncclSuccess;
    const ncclResult_t r = ncclCommGetAsyncError(comm_, &state);
    if (r != ncclSuccess) state = r;
    if (state == ncclSuccess || state == ncclInProgress) return {};
    const char* last = ncclGetLastError(comm_);
    return {cat("rank ", rank_, ": NCCL reported ", ncclGetErrorString(state),
                last && *last ? std::string(" (") + last + ")" : std::string(),
                "; rerun with NCCL_DEBUG=INFO to see NCCL's explanation"),
            false};
}

void NcclWatchdog::fail(const Problem& problem) {
    std::string msg;
#if MDQ_WITH_MPI
    if (use_mpi_) {
        std::vector<int> silent;
        try {
            silent = silent_ranks(liveness_grace(timeout_s_));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "mdq: the liveness check failed: %s\n", e.what());
        }
        mpi::mark_job_failed();
        msg = problem.overdue ? timeout_message(rank_, problem.what, timeout_s_, silent)
                              : problem.what + silent_ranks_text(silent);
    }
#endif
    if (msg.empty())
        msg = problem.overdue ? cat("rank ", rank_, ": ", problem.what, " did not complete within ",
                                    timeout_s_, " s (comm_timeout)")
                              : problem.what;
    // Failed before aborted: a wait that sees its transfer end because of the abort must find
    // the error, not take the result.
    {
        std::lock_guard<std::mutex> lock(mu_);
        error_ = msg + " (the NCCL communicator was aborted)";
        failed_ = true;
        pending_.clear();
    }
    std::lock_guard<std::mutex> lock(comm_mutex_);
    const ncclResult_t r = ncclCommAbort(comm_);  // the stuck kernels return
    if (r != ncclSuccess)
        std::fprintf(stderr, "mdq: ncclCommAbort failed: %s\n", ncclGetErrorString(r));
}

void NcclWatchdog::loop() {
    CHECK_CUDA_NOTHROW(cudaSetDevice(device_));
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(mu_);
            cv_.wait_for(lock, kPollInterval, [this] { return stop_; });
            if (stop_) return;
        }
#if MDQ_WITH_MPI
        if (use_mpi_) {
            try {
                serve_pings();
            } catch (const std::exception& e) {
                fail({cat("rank ", rank_, ": answering liveness pings failed: ", e.what()), false});
                return;
            }
        }
#endif
        const Problem problem = find_problem();
        if (!problem.what.empty()) {
            fail(problem);
            return;
        }
    }
}

}  // namespace mdq::comm::detail
