// A graceful stop on SIGINT / SIGTERM for long jobs (docs/RELIABILITY.md, "Interruptions"):
// the handler only records the signal; the job polls stop_signal() at a safe point (the
// trainer at a step boundary), saves its state and exits. A second signal ends the process at
// once with status 128 + signal, without running anything that is not async-signal-safe.
//
//   install_stop_handlers();                 // once, by the command line
//   if (int sig = stop_signal()) { save(); exit_status_for(sig); }
#pragma once

namespace mdq {

// Installs the handlers for SIGINT and SIGTERM (replacing any earlier disposition).
void install_stop_handlers();
// The first stop signal received since install_stop_handlers() (or clear), 0 when none.
int stop_signal();
// Forgets a received signal; tests use it between runs in one process.
void clear_stop_signal();
// The conventional exit status of a process stopped by signal sig: 128 + sig.
int exit_status_for(int sig);
// "SIGINT", "SIGTERM" or "a signal".
const char* signal_name(int sig);

}  // namespace mdq
