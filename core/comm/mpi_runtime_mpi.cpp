#include "core/comm/mpi_runtime.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/comm/mpi_check.h"

namespace mdq::comm {

using ::mdq::detail::cat;

namespace {
std::atomic<bool> g_failed{false};
int g_thread_level = MPI_THREAD_SINGLE;

void finish_at_exit() {
    std::lock_guard<std::recursive_mutex> lock(mpi::call_mutex());
    if (!mpi::active()) return;
    if (g_failed) {
        std::fflush(stdout);
        std::fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Finalize();
}
}  // namespace

namespace detail {
void throw_mpi(int code, const char* expr, const char* file, int line) {
    char text[MPI_MAX_ERROR_STRING] = {0};
    int len = 0;
    if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) std::snprintf(text, sizeof text, "?");
    mpi::mark_job_failed();
    throw CommError(cat("MPI error ", code, ": ", text, " in `", expr, "` at ", file, ":", line));
}
}  // namespace detail

namespace mpi {

std::recursive_mutex& call_mutex() {
    static auto* mu = new std::recursive_mutex;  // leaked: used from the exit handler
    return *mu;
}

void ensure_initialized() {
    std::lock_guard<std::recursive_mutex> lock(call_mutex());
    int initialized = 0;
    CHECK_MPI(MPI_Initialized(&initialized));
    if (initialized) {
        CHECK_MPI(MPI_Query_thread(&g_thread_level));
        return;
    }
    CHECK_MPI(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &g_thread_level));
    // Errors come back as codes, so mdq can name the failure and the silent rank.
    CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    MDQ_CHECK(std::atexit(finish_at_exit) == 0, "cannot register MPI's exit handler");
}

void ensure_initialized_for(const WorldInfo& world) {
    ensure_initialized();
    std::lock_guard<std::recursive_mutex> lock(call_mutex());
    int rank = 0, size = 0;
    CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &size));
    MDQ_CHECK(rank == world.rank && size == world.size, "the ", world.launcher,
              " environment says rank ", world.rank, " of ", world.size, " but MPI says rank ",
              rank, " of ", size,
              ": start every process with the same launcher (mpirun, or srun --mpi=pmix)");
}

bool active() {
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    return initialized && !finalized;
}

int thread_level() {
    return g_thread_level;
}

void mark_job_failed() {
    g_failed = true;
}

bool job_failed() {
    return g_failed;
}

void abort_job(int code) noexcept {
    if (!active()) return;
    std::fflush(stdout);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code);
}

}  // namespace mpi
}  // namespace mdq::comm
