// The lock a training run holds on its output folder (docs/RELIABILITY.md, "Concurrent runs"),
// so that two `mdq train` processes never write over each other's checkpoints and metrics.
// OUT_DIR/.lock is flock()ed for the run's lifetime and holds the owner's pid. The kernel drops
// the flock when its process dies, however it dies, so a lock left by a killed run is stale
// and simply taken over.
//
//   RunLock lock(out_dir);  // throws mdq::Error naming the other pid while another run holds it
#pragma once

#include <string>

namespace mdq {

class RunLock {
  public:
    explicit RunLock(const std::string& folder);
    ~RunLock();  // removes the lock file and releases the lock
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;

    const std::string& path() const { return path_; }
    // The pid a stale lock file named when it was taken over, 0 when there was none.
    long taken_over_pid() const { return taken_over_pid_; }

  private:
    std::string path_;
    int fd_ = -1;
    long taken_over_pid_ = 0;
};

}  // namespace mdq
