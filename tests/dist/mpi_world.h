// The communicator the MPI tests share: every rank of the mpirun job, over the MPI backend,
// with a timeout short enough that a broken test fails instead of hanging.
#pragma once

#include <memory>

#include "core/comm/communicator.h"

namespace mdq::testing {

constexpr double kMpiTestTimeout = 60.0;

// Created on first use (MPI is initialised then); throws unless started by mpirun with >= 2 ranks.
const std::shared_ptr<comm::Communicator>& mpi_world();

}  // namespace mdq::testing
