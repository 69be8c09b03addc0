#include "core/stop_signal.h"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "tests/testing/test_util.h"

namespace mdq {
namespace {

// The handlers are process-wide: each test runs in a child so that gtest keeps its own.
template <class F>
int exit_status_of_child(F body) {
    const pid_t child = ::fork();
    if (child == 0) {
        body();
        ::_exit(0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

TEST(StopSignal, TheFirstSignalIsOnlyRecorded) {
    const int status = exit_status_of_child([] {
        install_stop_handlers();
        if (stop_signal() != 0) ::_exit(1);
        ::raise(SIGTERM);
        if (stop_signal() != SIGTERM) ::_exit(2);
        ::raise(SIGTERM);  // never returns
        ::_exit(3);
    });
    EXPECT_EQ(status, exit_status_for(SIGTERM));
}

TEST(StopSignal, ClearForgetsTheSignalAndTheNextOneIsFirstAgain) {
    const int status = exit_status_of_child([] {
        install_stop_handlers();
        ::raise(SIGINT);
        clear_stop_signal();
        if (stop_signal() != 0) ::_exit(1);
        ::raise(SIGINT);
        if (stop_signal() != SIGINT) ::_exit(2);
    });
    EXPECT_EQ(status, 0);
}

TEST(StopSignal, NamesAndStatuses) {
    EXPECT_STREQ(signal_name(SIGINT), "SIGINT");
    EXPECT_STREQ(signal_name(SIGTERM), "SIGTERM");
    EXPECT_EQ(exit_status_for(SIGINT), 130);
}

}  // namespace
}  // namespace mdq
