#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "core/error.h"
#include "optim/train/run_lock.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

std::string fresh_folder(const std::string& name) {
    const std::string dir =
        ::testing::TempDir() + "/mdq_" + name + "_" + std::to_string(::getpid());
    ::mkdir(dir.c_str(), 0755);
    std::remove((dir + "/.lock").c_str());
    return dir;
}

std::string read_all(const std::string& path) {
    std::ifstream f(path);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

bool exists(const std::string& path) {
    return std::ifstream(path).good();
}

TEST(RunLock, ASecondLockOnTheFolderIsRefusedWithTheOwnersPid) {
    const std::string dir = fresh_folder("lock_busy");
    RunLock first(dir);
    EXPECT_EQ(read_all(dir + "/.lock"), std::to_string(::getpid()) + "\n");
    EXPECT_EQ(first.taken_over_pid(), 0);
    // flock() locks belong to the open file, so a second open in this process conflicts too.
    try {
        RunLock second(dir);
        FAIL() << "the second lock was granted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("in use by another mdq train (pid " +
                                             std::to_string(::getpid()) + ")"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_TRUE(exists(dir + "/.lock"));  // the refused one leaves the owner's file alone
}

TEST(RunLock, ReleasingRemovesTheFileAndFreesTheFolder) {
    const std::string dir = fresh_folder("lock_release");
    { RunLock lock(dir); }
    EXPECT_FALSE(exists(dir + "/.lock"));
    RunLock again(dir);
    EXPECT_EQ(again.taken_over_pid(), 0);
}

TEST(RunLock, AStaleLockOfADeadProcessIsTakenOver) {
    const std::string dir = fresh_folder("lock_stale");
    // A child takes the lock and dies without releasing it, as a killed run does.
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        new RunLock(dir);  // never destroyed: the process ends holding it
        ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ASSERT_EQ(read_all(dir + "/.lock"), std::to_string(child) + "\n");

    RunLock lock(dir);
    EXPECT_EQ(lock.taken_over_pid(), child);
    EXPECT_EQ(read_all(dir + "/.lock"), std::to_string(::getpid()) + "\n");
}

TEST(RunLock, AMissingFolderIsAnIoErrorNamingTheFile) {
    const std::string dir = fresh_folder("lock_missing") + "/no/such/folder";
    try {
        RunLock lock(dir);
        FAIL() << "locked a folder that does not exist";
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find(dir + "/.lock"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace mdq
