#include "core/comm/job.h"

#include "mdq/config.h"

#if MDQ_WITH_MPI
#include "core/comm/mpi_runtime.h"
#endif

namespace mdq::comm {

void end_job_after_error([[maybe_unused]] int exit_code) noexcept {
#if MDQ_WITH_MPI
    mpi::abort_job(exit_code);
#endif
}

}  // namespace mdq::comm
