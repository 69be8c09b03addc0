// make_communicator: picks the backend and checks that this build and device can run it.
#include "core/comm/communicator.h"
#include "core/comm/local_communicator.h"
#include "mdq/config.h"

#if MDQ_WITH_MPI
#include "core/comm/mpi_communicator.h"
#endif
#if MDQ_WITH_NCCL
#include "core/comm/nccl_communicator.h"
#endif

namespace mdq::comm {

namespace {

std::shared_ptr<Communicator> make_mpi([[maybe_unused]] const WorldInfo& world, Device device,
                                       [[maybe_unused]] const CommOptions& options) {
    MDQ_CHECK(device.is_cpu(), "the MPI backend reduces CPU tensors, but the device is ",
              device.str(), ": use the nccl backend for GPUs");
#if MDQ_WITH_MPI
    return std::make_shared<MpiCommunicator>(world, options);
#else
    MDQ_THROW(NotCompiledError, "the MPI backend was requested but mdq was built without MPI ",
              "(install libopenmpi-dev and openmpi-bin, then reconfigure)");
#endif
}

std::shared_ptr<Communicator> make_nccl([[maybe_unused]] const WorldInfo& world, Device device,
                                        [[maybe_unused]] const CommOptions& options) {
    MDQ_CHECK(device.is_cuda(), "the NCCL backend reduces GPU tensors, but the device is ",
              device.str(), ": use the mpi backend on CPUs");
#if MDQ_WITH_NCCL
    return std::make_shared<NcclCommunicator>(world, device, options);
#else
    MDQ_THROW(
        NotCompiledError, "the NCCL backend was requested but mdq was built without ",
        MDQ_WITH_CUDA ? "NCCL (install NCCL's headers and library, then reconfigure)" : "CUDA");
#endif
}

}  // namespace

std::shared_ptr<Communicator> make_communicator(const std::string& backend, Device device,
                                                const WorldInfo& world,
                                                const CommOptions& options) {
    MDQ_CHECK(backend == "auto" || backend == "local" || backend == "mpi" || backend == "nccl",
              "unknown communicator backend '", backend, "' (expected auto, local, mpi or nccl)");
    if (backend == "local" || (backend == "auto" && !world.distributed())) {
        MDQ_CHECK(!world.distributed(), "the local backend runs a single process, but the ",
                  world.launcher, " launcher started ", world.size,
                  " (use backend auto, mpi or nccl)");
        return std::make_shared<LocalCommunicator>(device, options);
    }
    if (backend == "nccl" || (backend == "auto" && device.is_cuda()))
        return make_nccl(world, device, options);
    return make_mpi(world, device, options);
}

std::shared_ptr<Communicator> make_communicator(const std::string& backend, Device device,
                                                const CommOptions& options) {
    return make_communicator(backend, device, detect_world(), options);
}

}  // namespace mdq::comm
