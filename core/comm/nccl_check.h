// CHECK_NCCL and the wait for calls on non-blocking NCCL communicators, for the *_nccl.cpp
// files only (public headers never include <nccl.h>).
#pragma once

#include <nccl.h>

#include "core/error.h"

#if NCCL_VERSION_CODE < NCCL_VERSION(2, 14, 0)
#error "mdq needs NCCL 2.14 or newer (ncclAvg, non-blocking communicators, ncclGetLastError)"
#endif

namespace mdq::comm::detail {

// Throws NcclError with NCCL's name for the code, its last error text when `comm` is given,
// and the NCCL_DEBUG=INFO hint.
[[noreturn]] void throw_nccl(ncclResult_t code, ncclComm_t comm, const char* expr, const char* file,
                             int line);

// A call on a non-blocking communicator may return ncclInProgress: polls the communicator's
// state until the call has settled. Throws NcclError on failure and CommError after
// timeout_s seconds (the caller then aborts the communicator).
void settle_nccl(ncclComm_t comm, ncclResult_t first, double timeout_s, const char* expr,
                 const char* file, int line);

}  // namespace mdq::comm::detail

#define CHECK_NCCL(EXPR)                                                                        \
    do {                                                                                        \
        const ncclResult_t mdq_nccl_err_ = (EXPR);                                              \
        if (mdq_nccl_err_ != ncclSuccess)                                                       \
            ::mdq::comm::detail::throw_nccl(mdq_nccl_err_, nullptr, #EXPR, __FILE__, __LINE__); \
    } while (0)

// For calls on a non-blocking communicator COMM; waits up to TIMEOUT_S seconds.
#define CHECK_NCCL_SETTLED(COMM, EXPR, TIMEOUT_S) \
    ::mdq::comm::detail::settle_nccl((COMM), (EXPR), (TIMEOUT_S), #EXPR, __FILE__, __LINE__)
