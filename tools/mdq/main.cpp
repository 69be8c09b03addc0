// The mdq command: one executable with subcommands. Errors are caught here and printed as
// one line; the exit status is non-zero. In a multi-process job the error also ends the other
// ranks (MPI_Abort), which would otherwise wait for this one until their timeout.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "core/comm/job.h"
#include "core/error.h"
#include "tools/mdq/commands.h"

int main(int argc, char** argv) {
    CLI::App app{"mdq: mirror-descent training of binary, ternary and k-bit networks"};
    app.require_subcommand(1);
    mdq::tools::register_commands(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mdq: error: %s\n", e.what());
        mdq::comm::end_job_after_error(1);
        return 1;
    }
    return 0;
}
