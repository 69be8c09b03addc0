#include "optim/train/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/error.h"

namespace mdq {

namespace {

// The pid written in the lock file, 0 when it is empty or unreadable.
long read_pid(int fd) {
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
    return n > 0 ? std::strtol(buf, nullptr, 10) : 0;
}

// Whether fd still is the file at path: the owner before us may have removed it between our
// open() and flock(), and a lock on a removed file protects nothing.
bool still_linked(int fd, const std::string& path) {
    struct stat open_file {
    }, named{};
    return ::fstat(fd, &open_file) == 0 && ::stat(path.c_str(), &named) == 0 &&
           open_file.st_dev == named.st_dev && open_file.st_ino == named.st_ino;
}

}  // namespace

RunLock::RunLock(const std::string& folder) : path_(folder + "/.lock") {
    for (;;) {
        fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd_ < 0)
            MDQ_THROW(IoError, "cannot create the run lock '", path_, "': ", std::strerror(errno));
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            const int err = errno;
            const long pid = read_pid(fd_);
            ::close(fd_);
            fd_ = -1;
            if (err == EWOULDBLOCK)
                MDQ_THROW(Error, "the output folder '", folder, "' is in use by another mdq train",
                          pid > 0 ? " (pid " + std::to_string(pid) + ")" : std::string(),
                          ": wait for it to finish, stop it, or give this run another out_dir");
            MDQ_THROW(IoError, "cannot lock '", path_, "': ", std::strerror(err));
        }
        if (still_linked(fd_, path_)) break;
        ::close(fd_);
    }
    taken_over_pid_ = read_pid(fd_);
    const std::string pid = std::to_string(static_cast<long>(::getpid())) + "\n";
    if (::ftruncate(fd_, 0) != 0 ||
        ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        const int err = errno;
        ::close(fd_);
        MDQ_THROW(IoError, "cannot write the run lock '", path_, "': ", std::strerror(err));
    }
}

RunLock::~RunLock() {
    // Unlinking before closing: a process that opened the file meanwhile sees it unlinked once
    // it gets the flock and retries on a fresh file (still_linked).
    ::unlink(path_.c_str());
    ::close(fd_);
}

}  // namespace mdq
