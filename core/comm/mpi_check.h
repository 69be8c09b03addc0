// CHECK_MPI for the translation units that call MPI (*_mpi.cpp, and *_nccl.cpp for its
// bootstrap). Public headers never include <mpi.h>.
#pragma once

#include <mpi.h>

#include "core/error.h"

namespace mdq::comm::detail {
// Throws CommError with MPI's error string; marks the job failed (the communicator is unusable).
[[noreturn]] void throw_mpi(int code, const char* expr, const char* file, int line);
}  // namespace mdq::comm::detail

// Evaluates EXPR once; on failure throws mdq::CommError naming the call and MPI's message.
#define CHECK_MPI(EXPR)                                                              \
    do {                                                                             \
        const int mdq_mpi_err_ = (EXPR);                                             \
        if (mdq_mpi_err_ != MPI_SUCCESS)                                             \
            ::mdq::comm::detail::throw_mpi(mdq_mpi_err_, #EXPR, __FILE__, __LINE__); \
    } while (0)
