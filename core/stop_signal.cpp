#include "core/stop_signal.h"

#include <unistd.h>

#include <atomic>
#include <csignal>

#include "core/error.h"

namespace mdq {

namespace {

std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "the signal handler needs a lock-free flag");

template <size_t N>
void say(const char (&msg)[N]) {
    const ssize_t ignored = ::write(STDERR_FILENO, msg, N - 1);
    (void)ignored;  // nothing to do about a closed stderr inside a handler
}

void on_stop_signal(int sig) {
    // Only write() and _exit() here: they are async-signal-safe. The previous checkpoint stays
    // intact when the second signal cuts a write short (files are written atomically).
    int none = 0;
    if (g_signal.compare_exchange_strong(none, sig)) {
        say("\nmdq: stopping at the end of this step with a checkpoint (a second signal exits "
            "at once)\n");
        return;
    }
    say("\nmdq: second stop signal, exiting now without a checkpoint\n");
    ::_exit(128 + sig);
}

}  // namespace

void install_stop_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;  // a read interrupted by the first signal carries on
    for (int sig : {SIGINT, SIGTERM})
        MDQ_CHECK(::sigaction(sig, &sa, nullptr) == 0, "cannot install the handler of ",
                  signal_name(sig));
}

int stop_signal() {
    return g_signal.load();
}

void clear_stop_signal() {
    g_signal.store(0);
}

int exit_status_for(int sig) {
    return 128 + sig;
}

const char* signal_name(int sig) {
    switch (sig) {
        case SIGINT:
            return "SIGINT";
        case SIGTERM:
            return "SIGTERM";
        default:
            return "a signal";
    }
}

}  // namespace mdq
