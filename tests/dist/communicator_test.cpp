// The MPI backend under mpirun: all-reduce (sum, average) of awkward sizes and both dtypes,
// polling of work in flight, broadcast of any dtype from every root, barrier, and checks that
// fail locally before any collective starts.
#include <chrono>
#include <thread>

#include "core/comm/mpi_communicator.h"
#include "tests/dist/mpi_world.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using comm::AllReduceOp;
using testing::all_equal;
using testing::mpi_world;
using testing::throws_with;

// v[i] = (i % 13) / 4 + rank: exact in f32, so sums compare bit for bit.
Tensor ramp(int64_t n, double rank, DType dtype) {
    std::vector<double> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
        v[static_cast<size_t>(i)] = static_cast<double>(i % 13) / 4 + rank;
    return Tensor::from_vector(v, {n}).to(dtype);
}

TEST(MpiComm, RanksOfOneNode) {
    const auto& c = *mpi_world();
    EXPECT_STREQ(c.backend(), "mpi");
    EXPECT_EQ(c.size(), 2);
    EXPECT_EQ(c.local_rank(), c.rank());
    EXPECT_EQ(c.device(), Device::cpu());
}

TEST(MpiComm, AllReduceSumAndAverageOfAwkwardSizes) {
    auto& c = *mpi_world();
    const int n_ranks = c.size();
    const double rank_sum = n_ranks * (n_ranks - 1) / 2.0;
    for (DType dt : {DType::F32, DType::F64}) {
        for (int64_t n : {int64_t{1}, int64_t{3}, int64_t{17}, int64_t{1000}, int64_t{65537},
                          (int64_t{1} << 20) + 3}) {
            SCOPED_TRACE(::testing::Message() << dtype_name(dt) << " n=" << n);
            Tensor t = ramp(n, c.rank(), dt);
            c.all_reduce(t, AllReduceOp::Sum);
            Tensor expected = ramp(n, 0, dt) * static_cast<double>(n_ranks) + rank_sum;
            EXPECT_TRUE(all_equal(t, expected));
            t = ramp(n, c.rank(), dt);
            c.all_reduce(t, AllReduceOp::Average);
            EXPECT_TRUE(all_equal(t, ramp(n, rank_sum / n_ranks, dt)));
        }
    }
}

TEST(MpiComm, WorkInFlightCompletesByPolling) {
    auto& c = *mpi_world();
    std::vector<Tensor> ts;
    std::vector<std::unique_ptr<comm::CommWork>> works;
    for (int k = 0; k < 4; ++k) {
        ts.push_back(ramp(1000 * (k + 1) + k, c.rank() + k, DType::F32));
        works.push_back(c.all_reduce_async(ts.back(), AllReduceOp::Average));
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool all = false;
    while (!all && std::chrono::steady_clock::now() < deadline) {
        all = true;
        for (auto& w : works)
            all = w->test() && all;
    }
    ASSERT_TRUE(all) << "the all-reduces did not complete by polling test()";
    for (int k = 0; k < 4; ++k) {
        works[static_cast<size_t>(k)]->wait();  // no-op once complete
        EXPECT_TRUE(
            all_equal(ts[static_cast<size_t>(k)], ramp(1000 * (k + 1) + k, k + 0.5, DType::F32)));
    }
}

TEST(MpiComm, BroadcastAnyDtypeFromEveryRoot) {
    auto& c = *mpi_world();
    for (int root = 0; root < c.size(); ++root) {
        Tensor i64 = Tensor::full({5}, 100 + c.rank(), DType::I64);
        Tensor u8 = Tensor::full({7}, 3 * c.rank(), DType::U8);
        Tensor f32 = ramp(33, c.rank(), DType::F32).view({3, 11});
        c.broadcast(i64, root);
        c.broadcast(u8, root);
        c.broadcast(f32, root);
        EXPECT_TRUE(all_equal(i64, Tensor::full({5}, 100 + root, DType::I64)));
        EXPECT_TRUE(all_equal(u8, Tensor::full({7}, 3 * root, DType::U8)));
        EXPECT_TRUE(all_equal(f32, ramp(33, root, DType::F32).view({3, 11})));
    }
}

TEST(MpiComm, BarrierWaitsForTheLastRank) {
    auto& c = *mpi_world();
    c.barrier();
    const auto start = std::chrono::steady_clock::now();
    if (c.rank() == c.size() - 1) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    c.barrier();
    const std::chrono::duration<double> waited = std::chrono::steady_clock::now() - start;
    EXPECT_GE(waited.count(), 0.25);
}

TEST(MpiComm, SeparateCommunicatorsDoNotMix) {
    auto& c = *mpi_world();
    comm::MpiCommunicator other(comm::detect_world(), comm::CommOptions{20.0});
    EXPECT_EQ(other.timeout_s(), 20.0);
    Tensor a = ramp(100, c.rank(), DType::F32), b = ramp(100, 10 * c.rank(), DType::F32);
    auto wa = c.all_reduce_async(a, AllReduceOp::Sum);
    auto wb = other.all_reduce_async(b, AllReduceOp::Sum);
    wb->wait();
    wa->wait();
    EXPECT_TRUE(all_equal(a, ramp(100, 0, DType::F32) * 2.0 + 1.0));
    EXPECT_TRUE(all_equal(b, ramp(100, 0, DType::F32) * 2.0 + 10.0));
}

TEST(MpiComm, BadArgumentsFailBeforeAnyTransfer) {
    auto& c = *mpi_world();
    EXPECT_TRUE(throws_with([&] { c.all_reduce(Tensor::zeros({4}, DType::I32)); },
                            {"all_reduce (mpi)", "f32 or f64"}));
    EXPECT_TRUE(throws_with(
        [&] {
            c.all_reduce(Tensor::zeros({3, 4}).transpose(0, 1));
        },
        {"contiguous"}));
    EXPECT_TRUE(throws_with([&] { c.broadcast(Tensor::zeros({2}), 2); }, {"root 2"}));
    c.barrier();  // both ranks still in step
}

}  // namespace
}  // namespace mdq
