// A small file system made for one test, so that a write fails for real with ENOSPC: a tmpfs
// of a few hundred KB mounted on a fresh folder (needs root or CAP_SYS_ADMIN; tests skip with
// the reason where the machine refuses), unmounted and removed at the end of the test.
//
//   SmallFilesystem fs(256 << 10);
//   if (!fs.mounted()) GTEST_SKIP() << fs.reason();
//   ... write fs.path() + "/x" ...; fs.fill(); ... the next write fails with ENOSPC ...
#pragma once

#include <cstddef>
#include <string>

namespace mdq::testing {

class SmallFilesystem {
  public:
    explicit SmallFilesystem(size_t bytes);
    ~SmallFilesystem();
    SmallFilesystem(const SmallFilesystem&) = delete;
    SmallFilesystem& operator=(const SmallFilesystem&) = delete;

    bool mounted() const { return mounted_; }
    const std::string& reason() const { return reason_; }  // why it is not mounted
    const std::string& path() const { return path_; }
    // Takes all the free space but `leave` bytes with a filler file (fill.bin).
    void fill(size_t leave = 0);
    // The names in the folder `dir` of this file system (relative to path()), sorted.
    std::string listing(const std::string& dir = "") const;

  private:
    std::string path_, reason_;
    bool mounted_ = false;
};

}  // namespace mdq::testing
