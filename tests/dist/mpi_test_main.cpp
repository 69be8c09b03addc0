// GoogleTest main of the tests run under mpirun (tests/dist). Every rank runs every test, so
// the collectives of a test match; rank 0 prints GoogleTest's usual report and the other
// ranks only their failures, tagged with the rank. The run fails when any rank failed.
#include <gtest/gtest.h>

#include <cstdio>

#include "core/comm/job.h"
#include "tests/dist/mpi_world.h"

namespace {

class RankFailurePrinter : public ::testing::EmptyTestEventListener {
  public:
    explicit RankFailurePrinter(int rank) : rank_(rank) {}
    void OnTestPartResult(const ::testing::TestPartResult& r) override {
        if (!r.failed()) return;
        std::fprintf(stderr, "[rank %d] %s:%d: Failure\n%s\n", rank_,
                     r.file_name() ? r.file_name() : "?", r.line_number(), r.message());
    }

  private:
    int rank_;
};

}  // namespace

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    try {
        mdq::comm::Communicator& world = *mdq::testing::mpi_world();
        if (world.rank() != 0) {
            auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
            delete listeners.Release(listeners.default_result_printer());
            listeners.Append(new RankFailurePrinter(world.rank()));
        }
        const int rc = RUN_ALL_TESTS();
        mdq::Tensor failed = mdq::Tensor::full({1}, rc ? 1.0 : 0.0, mdq::DType::F64);
        world.all_reduce(failed);
        return failed.item<double>() > 0 ? 1 : 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mdq_mpi_tests: error: %s\n", e.what());
        mdq::comm::end_job_after_error(1);
        return 1;
    }
}
