#include "core/comm/nccl_check.h"

#include <chrono>
#include <thread>

namespace mdq::comm::detail {

using ::mdq::detail::cat;

void throw_nccl(ncclResult_t code, ncclComm_t comm, const char* expr, const char* file, int line) {
    const char* last = comm ? ncclGetLastError(comm) : nullptr;
    throw NcclError(
        static_cast<int>(code),
        cat("NCCL error ", static_cast<int>(code), ": ", ncclGetErrorString(code),
            last && *last ? std::string(" (") + last + ")" : std::string(), " in `", expr, "` at ",
            file, ":", line, "; rerun with NCCL_DEBUG=INFO to see NCCL's explanation"));
}

void settle_nccl(ncclComm_t comm, ncclResult_t first, double timeout_s, const char* expr,
                 const char* file, int line) {
    if (first != ncclSuccess && first != ncclInProgress) throw_nccl(first, comm, expr, file, line);
    if (first == ncclSuccess) return;
    const auto start = std::chrono::steady_clock::now();
    for (;;) {
        ncclResult_t state = ncclSuccess;
        const ncclResult_t r = ncclCommGetAsyncError(comm, &state);
        if (r != ncclSuccess) throw_nccl(r, comm, "ncclCommGetAsyncError", file, line);
        if (state == ncclSuccess) return;
        if (state != ncclInProgress) throw_nccl(state, comm, expr, file, line);
        const std::chrono::duration<double> waited = std::chrono::steady_clock::now() - start;
        if (waited.count() > timeout_s)
            throw CommError(cat("`", expr, "` did not settle within ", timeout_s,
                                " s (comm_timeout) at ", file, ":", line));
        // Most calls settle within microseconds: yield first, sleep only on a slow one.
        if (waited.count() < 1e-3) {
            std::this_thread::yield();
        } else {
            std::this_thread::sleep_for(std::chrono::microseconds(50));
        }
    }
}

}  // namespace mdq::comm::detail
