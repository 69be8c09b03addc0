#include "tests/dist/mpi_world.h"

#include "core/comm/mpi_communicator.h"

namespace mdq::testing {

const std::shared_ptr<comm::Communicator>& mpi_world() {
    static const std::shared_ptr<comm::Communicator> world = [] {
        const comm::WorldInfo w = comm::detect_world();
        MDQ_CHECK(w.size >= 2, "the MPI tests need several ranks: run them with mpirun -np 2 ",
                  "(ctest -L mpi does)");
        return std::make_shared<comm::MpiCommunicator>(w, comm::CommOptions{kMpiTestTimeout});
    }();
    return world;
}

}  // namespace mdq::testing
