#include "tests/testing/small_fs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "core/error.h"

namespace mdq::testing {

SmallFilesystem::SmallFilesystem(size_t bytes) {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/mdq_small_fs_XXXXXX";
    if (!::mkdtemp(templ.data())) {
        reason_ = "cannot create a folder for the small file system: " +
                  std::string(std::strerror(errno));
        return;
    }
    path_ = templ;
    const std::string options = "size=" + std::to_string(bytes) + ",mode=0755";
    if (::mount("tmpfs", path_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
        reason_ = "cannot mount a " + std::to_string(bytes) + "-byte tmpfs on " + path_ + ": " +
                  std::strerror(errno) + " (needs root or CAP_SYS_ADMIN)";
        ::rmdir(path_.c_str());
        return;
    }
    mounted_ = true;
}

SmallFilesystem::~SmallFilesystem() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
    if (!path_.empty()) ::rmdir(path_.c_str());
}

void SmallFilesystem::fill(size_t leave) {
    MDQ_CHECK(mounted_, "SmallFilesystem::fill: not mounted");
    const std::string filler = path_ + "/fill.bin";
    const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    MDQ_CHECK(fd >= 0, "cannot create ", filler, ": ", std::strerror(errno));
    const std::vector<char> page(4096, 'f');
    for (;;) {  // byte-exact: the last partial page fills the last free bytes
        const ssize_t w = ::write(fd, page.data(), page.size());
        if (w > 0) continue;
        if (w < 0 && errno == EINTR) continue;
        break;
    }
    const off_t size = ::lseek(fd, 0, SEEK_END);
    const off_t keep = std::max<off_t>(0, size - static_cast<off_t>(leave));
    const int rc = ::ftruncate(fd, keep);
    ::close(fd);
    MDQ_CHECK(rc == 0, "cannot shrink ", filler, ": ", std::strerror(errno));
}

std::string SmallFilesystem::listing(const std::string& dir) const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path_ + "/" + dir))
        names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    std::string out;
    for (const std::string& n : names)
        out += (out.empty() ? "" : " ") + n;
    return out;
}

}  // namespace mdq::testing
