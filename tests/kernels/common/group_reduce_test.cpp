// group_reduce (warp and block reductions) in the SIMT emulator: every thread ends with the
// reference result, in whole-warp groups of 32 to 1024 threads (3 warps included) under random
// schedules; either of its two barriers removed is caught; a partial warp and a divergent call
// are reported with the kernel's name.
#include "kernels/common/group_reduce.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tests/testing/simt/block.h"
#include "tests/testing/simt/drop_barrier.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::simt::Block;
using testing::simt::block_config;
using testing::simt::DropBarrier;
using testing::simt::Thread;

// A statistic of two words, like the row passes' (max, sum) pairs.
struct SumMax {
    int64_t sum, max;
    bool operator==(const SumMax& o) const { return sum == o.sum && max == o.max; }
};

SumMax combine(const SumMax& a, const SumMax& b) {
    return {a.sum + b.sum, std::max(a.max, b.max)};
}

std::vector<SumMax> values(int n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int64_t> dist(-1000000, 1000000);
    std::vector<SumMax> x(static_cast<size_t>(n));
    for (auto& v : x)
        v.sum = v.max = dist(rng);
    return x;
}

SumMax reference(const std::vector<SumMax>& x, int begin, int end) {
    SumMax r{0, INT64_MIN};
    for (int i = begin; i < end; ++i)
        r = combine(r, x[static_cast<size_t>(i)]);
    return r;
}

// Two reductions in a row over the same shared memory (as consecutive rows of a row pass):
// thread i reduces x[i], then y[i]. Returns each thread's two results. drop_period/which pick
// barriers to remove (DropBarrier); period 0 keeps them all.
template <int kGroup>
std::vector<SumMax> reduce_twice(const std::vector<SumMax>& x, const std::vector<SumMax>& y,
                                 uint64_t seed, int drop_period = 0, int drop_which = 0) {
    const int n = static_cast<int>(x.size());
    Block block(block_config("group_reduce", n, kGroup / 32 * int64_t{sizeof(SumMax)}, seed));
    std::vector<SumMax> got(2 * static_cast<size_t>(n));
    auto body = [&](auto& ctx, Thread& t) {
        const auto smem = t.shared<SumMax>();
        const int i = t.thread_idx();
        got[2 * i] = group_reduce<kGroup>(ctx, x[i], combine, smem);
        got[2 * i + 1] = group_reduce<kGroup>(ctx, y[i], combine, smem);
    };
    block.run([&](Thread& t) {
        if (drop_period == 0) return body(t, t);
        DropBarrier d(t, drop_period, drop_which);
        body(d, t);
    });
    return got;
}

template <int kGroup>
void expect_reference(int threads) {
    const auto x = values(threads, 1), y = values(threads, 2);
    for (uint64_t seed = 0; seed <= 4; ++seed) {
        const auto got = reduce_twice<kGroup>(x, y, seed);
        for (int i = 0; i < threads; ++i) {
            const int g0 = i / kGroup * kGroup;
            ASSERT_EQ(got[2 * i], reference(x, g0, g0 + kGroup))
                << "group " << kGroup << " thread " << i << " seed " << seed;
            ASSERT_EQ(got[2 * i + 1], reference(y, g0, g0 + kGroup))
                << "group " << kGroup << " thread " << i << " seed " << seed;
        }
    }
}

TEST(SimtGroupReduce, EveryThreadGetsItsGroupsResult) {
    expect_reference<32>(32);
    expect_reference<32>(96);  // three independent warps
    expect_reference<64>(64);
    expect_reference<96>(96);  // a block of three warps: not a power of two
    expect_reference<256>(256);
    expect_reference<1024>(1024);
}

// Each barrier of group_reduce, removed in turn, gives a wrong result under some seed: the
// first guards the per-warp partials, the second their reuse by the next reduction.
TEST(SimtGroupReduce, RemovedBarrierIsCaught) {
    const auto x = values(256, 3), y = values(256, 4);
    const auto want = reduce_twice<256>(x, y, 0);
    for (int which : {0, 1}) {
        int wrong = 0;
        for (uint64_t seed = 1; seed <= 8; ++seed)
            wrong += reduce_twice<256>(x, y, seed, 2, which) != want;
        EXPECT_GE(wrong, 1) << "no seed of 8 exposed the removal of barrier " << which;
    }
}

TEST(SimtGroupReduce, PartialWarpIsReported) {
    const auto x = values(48, 5);
    Block block(block_config("partial_warp", 48, 2 * sizeof(SumMax)));
    EXPECT_TRUE(testing::throws_with(
        [&] {
            block.run([&](Thread& t) {
                (void)group_reduce<64>(t, x[t.thread_idx()], combine, t.shared<SumMax>());
            });
        },
        {"kernel 'partial_warp'",
         "calls shfl_xor with mask 0xffffffff, but the warp has only 16"}));
}

TEST(SimtGroupReduce, CallBySomeThreadsOfTheBlockIsReported) {
    const auto x = values(128, 6);
    Block block(block_config("divergent_reduce", 128, 4 * sizeof(SumMax)));
    EXPECT_TRUE(testing::throws_with(
        [&] {
            block.run([&](Thread& t) {
                if (t.warp() != 2)
                    (void)group_reduce<128>(t, x[t.thread_idx()], combine, t.shared<SumMax>());
            });
        },
        {"kernel 'divergent_reduce'", "barrier divergence: thread 64 exited"}));
}

}  // namespace
}  // namespace mdq
