// Waiting on MPI requests with a deadline, and finding the ranks that stopped answering
// (internal to the *_mpi.cpp / *_nccl.cpp files; includes <mpi.h>).
//
// Liveness check: a rank whose wait passes its deadline sends a ping to every other rank over
// MPI_COMM_WORLD (point-to-point, private tags: they never match mdq's collectives, which run
// on duplicated communicators) and waits a short grace period for the pongs. Every rank answers
// pings while it waits on anything, so a rank that does not answer has died, hangs, or is
// stuck outside mdq's collectives. The waiting rank then throws CommError naming those ranks.
#pragma once

#include <string>
#include <vector>

#include "core/comm/mpi_check.h"

namespace mdq::comm::detail {

// Answers the pings that have arrived (never blocks). Called by every wait loop.
void serve_pings();
// Pings every other rank of MPI_COMM_WORLD and returns those that did not answer within
// grace_s seconds, answering other ranks' pings meanwhile.
std::vector<int> silent_ranks(double grace_s);
// The grace period of the liveness check for a given timeout.
double liveness_grace(double timeout_s);

// "; rank 3 does not answer (...)" naming `silent`, or empty.
std::string silent_ranks_text(const std::vector<int>& silent);
// The CommError message for `what` having timed out on this rank, naming `silent`.
std::string timeout_message(int rank, const std::string& what, double timeout_s,
                            const std::vector<int>& silent);

// Polls `requests` until all complete, answering pings. Past timeout_s: runs the liveness
// check, marks the job failed and throws CommError naming the silent ranks.
void wait_all(std::vector<MPI_Request>& requests, double timeout_s, const std::string& what);

}  // namespace mdq::comm::detail
