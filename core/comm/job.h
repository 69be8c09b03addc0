// Process-level end of a distributed job. When one rank reports an error and exits, the other
// ranks would wait for it until their timeout; MPI_Abort ends them at once. Compiled in every
// build: without MPI (or when it was never initialised, as at world size 1) it does nothing.
#pragma once

namespace mdq::comm {

// Call where the error is reported (the mdq command's main), after printing it: aborts every
// rank of the job when MPI is in use. Returns only when there is nothing to abort.
void end_job_after_error(int exit_code) noexcept;

}  // namespace mdq::comm
