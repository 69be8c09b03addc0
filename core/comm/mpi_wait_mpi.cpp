#include "core/comm/mpi_wait.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/comm/mpi_runtime.h"

namespace mdq::comm::detail {

using ::mdq::detail::cat;

namespace {
constexpr int kPingTag = 0x6d64;  // "md": private point-to-point tags on MPI_COMM_WORLD
constexpr int kPongTag = 0x6d65;

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

// Busy polling for the first millisecond keeps short waits fast; then sleep a little so that
// waiting ranks leave the cores to the ones still computing.
void pause(int iteration) {
    if (iteration < 1000) {
        std::this_thread::yield();
    } else {
        std::this_thread::sleep_for(std::chrono::microseconds(iteration < 10000 ? 20 : 200));
    }
}

int world_rank() {
    int r = 0;
    CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &r));
    return r;
}
}  // namespace

void serve_pings() {
    std::lock_guard<std::recursive_mutex> lock(mpi::call_mutex());
    for (;;) {
        int flag = 0;
        MPI_Status st;
        CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, kPingTag, MPI_COMM_WORLD, &flag, &st));
        if (!flag) return;
        int token = 0;
        CHECK_MPI(MPI_Recv(&token, 1, MPI_INT, st.MPI_SOURCE, kPingTag, MPI_COMM_WORLD,
                           MPI_STATUS_IGNORE));
        static int pong = 0;  // a send buffer that outlives the (freed) request
        MPI_Request req;
        // A failed send means the pinging rank is gone; nothing to answer then.
        if (MPI_Isend(&pong, 1, MPI_INT, st.MPI_SOURCE, kPongTag, MPI_COMM_WORLD, &req) ==
            MPI_SUCCESS)
            MPI_Request_free(&req);
    }
}

std::vector<int> silent_ranks(double grace_s) {
    std::lock_guard<std::recursive_mutex> lock(mpi::call_mutex());
    int me = 0, size = 1;
    CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &me));
    CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &size));
    static int ping = 1;
    std::vector<int> pongs(static_cast<size_t>(size));
    std::vector<MPI_Request> recvs(static_cast<size_t>(size), MPI_REQUEST_NULL);
    std::vector<bool> answered(static_cast<size_t>(size), false);
    for (int r = 0; r < size; ++r) {
        if (r == me) {
            answered[static_cast<size_t>(r)] = true;
            continue;
        }
        // Errors here mean the peer is unreachable: it then simply never answers.
        MPI_Request send;
        if (MPI_Isend(&ping, 1, MPI_INT, r, kPingTag, MPI_COMM_WORLD, &send) == MPI_SUCCESS)
            MPI_Request_free(&send);
        if (MPI_Irecv(&pongs[static_cast<size_t>(r)], 1, MPI_INT, r, kPongTag, MPI_COMM_WORLD,
                      &recvs[static_cast<size_t>(r)]) != MPI_SUCCESS)
            recvs[static_cast<size_t>(r)] = MPI_REQUEST_NULL;
    }
    const Clock::time_point start = Clock::now();
    for (int it = 0; seconds_since(start) < grace_s; ++it) {
        serve_pings();
        bool all = true;
        for (int r = 0; r < size; ++r) {
            MPI_Request& q = recvs[static_cast<size_t>(r)];
            if (answered[static_cast<size_t>(r)] || q == MPI_REQUEST_NULL) continue;
            int done = 0;
            if (MPI_Test(&q, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && done)
                answered[static_cast<size_t>(r)] = true;
            all = all && answered[static_cast<size_t>(r)];
        }
        if (all) break;
        pause(it);
    }
    std::vector<int> silent;
    for (int r = 0; r < size; ++r) {
        if (answered[static_cast<size_t>(r)]) continue;
        silent.push_back(r);
        MPI_Request& q = recvs[static_cast<size_t>(r)];
        if (q != MPI_REQUEST_NULL && MPI_Cancel(&q) == MPI_SUCCESS) MPI_Request_free(&q);
    }
    return silent;
}

double liveness_grace(double timeout_s) {
    return std::min(2.0, std::max(0.2, timeout_s / 4));
}

std::string silent_ranks_text(const std::vector<int>& silent) {
    if (silent.empty()) return {};
    std::string text = silent.size() == 1 ? "; rank " : "; ranks ";
    for (size_t i = 0; i < silent.size(); ++i)
        text += cat(i ? ", " : "", silent[i]);
    return text + (silent.size() == 1 ? " does" : " do") +
           " not answer (died, hung or stuck outside mdq's collectives; see its log)";
}

std::string timeout_message(int rank, const std::string& what, double timeout_s,
                            const std::vector<int>& silent) {
    const std::string msg =
        cat("rank ", rank, ": ", what, " did not complete within ", timeout_s, " s (comm_timeout)");
    if (!silent.empty()) return msg + silent_ranks_text(silent);
    return msg +
           "; every rank still answers, so they are probably waiting in different collectives "
           "(a different model, batch count or number of steps on some rank?)";
}

void wait_all(std::vector<MPI_Request>& requests, double timeout_s, const std::string& what) {
    const Clock::time_point start = Clock::now();
    for (int it = 0;; ++it) {
        {
            std::lock_guard<std::recursive_mutex> lock(mpi::call_mutex());
            int done = 0;
            CHECK_MPI(MPI_Testall(static_cast<int>(requests.size()), requests.data(), &done,
                                  MPI_STATUSES_IGNORE));
            if (done) return;
        }
        serve_pings();
        if (seconds_since(start) > timeout_s) break;
        pause(it);
    }
    const std::vector<int> silent = silent_ranks(liveness_grace(timeout_s));
    mpi::mark_job_failed();
    throw CommError(timeout_message(world_rank(), what, timeout_s, silent));
}

}  // namespace mdq::comm::detail
