// A data-parallel training loop in which rank 1 fails, for tests/dist/fault_test.sh:
//   mdq_mpi_fault TIMEOUT_S MODE STEP
// At step STEP rank 1 either kills itself (MODE kill: SIGKILL, nothing is cleaned up) or stops
// answering (MODE hang: sleeps). The other ranks must stop within the timeout with the
// CommError naming rank 1, reported the way the mdq command reports errors.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "core/comm/communicator.h"
#include "core/comm/job.h"
#include "optim/train/data_parallel.h"
#include "tests/testing/dense_model.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

void fail_as_asked(const std::string& mode) {
    std::fflush(stdout);
    if (mode == "kill") std::raise(SIGKILL);
    for (;;)
        std::this_thread::sleep_for(std::chrono::hours(1));
}

int run(double timeout_s, const std::string& mode, int fail_step) {
    MDQ_CHECK(mode == "kill" || mode == "hang", "MODE must be kill or hang, got ", mode);
    auto comm = comm::make_communicator("mpi", Device::cpu(), comm::CommOptions{timeout_s});
    auto model = testing::make_mlp({8, 32, 4}, 3);
    ParamArena arena(*model);
    DataParallel dp(arena, comm);
    dp.broadcast_initial_state(*model);
    for (int step = 0; step < 1000; ++step) {
        if (comm->rank() == 1 && step == fail_step) fail_as_asked(mode);
        arena.zero_grad();
        const Tensor x = testing::random_tensor({4, 8}, 10 * step + comm->rank());
        const Tensor loss = testing::mse((*model)(x), Tensor::zeros({4, 4}));
        dp.start_step();
        loss.backward();
        dp.finish();
        std::printf("rank %d: step %d\n", comm->rank(), step);
        std::fflush(stdout);
    }
    return 0;
}

}  // namespace
}  // namespace mdq

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s TIMEOUT_S kill|hang STEP\n", argv[0]);
        return 2;
    }
    try {
        return mdq::run(std::atof(argv[1]), argv[2], std::atoi(argv[3]));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mdq: error: %s\n", e.what());
        mdq::comm::end_job_after_error(1);
        return 1;
    }
}
