// MPI's process-wide state for mdq (compiled only when MPI is found). MPI is initialised on
// first use by a communicator of a multi-process job, never at world size 1, and finalised at
// process exit; when the job has failed (a rank stopped answering) exit calls MPI_Abort
// instead, so that mpirun ends every rank rather than leaving them waiting.
// This header does not include <mpi.h>; core/comm/mpi_check.h does, for *_mpi.cpp files.
#pragma once

#include <mutex>

#include "core/comm/world.h"

namespace mdq::comm::mpi {

// MPI_Init_thread (asking for MPI_THREAD_SERIALIZED) unless MPI is already initialised;
// MPI_COMM_WORLD then returns errors instead of aborting. Registers the exit handler.
void ensure_initialized();
// ensure_initialized(), then checks that MPI_COMM_WORLD is the world the launcher described.
void ensure_initialized_for(const WorldInfo& world);
bool active();  // initialised and not yet finalised
// The thread level MPI provides (MPI_THREAD_* value); valid after ensure_initialized().
int thread_level();
// Every MPI call of mdq holds this lock, so a watchdog thread may use MPI too.
std::recursive_mutex& call_mutex();

// From now on exit aborts the job (MPI_Abort) instead of finalising.
void mark_job_failed();
bool job_failed();
// MPI_Abort(MPI_COMM_WORLD, code) when MPI is active: mpirun then ends every rank.
void abort_job(int code) noexcept;

}  // namespace mdq::comm::mpi
