// The SIMT emulator's own tests: a shared-memory tree reduction with and without its barrier,
// warp shuffle and ballot reductions, syncwarp, shared atomics, and the faults it must report
// (divergent barrier, warp mask naming an exited or waiting lane, out-of-bounds shared memory).
#include "tests/testing/simt/block.h"

#include <gtest/gtest.h>

#include <functional>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "tests/testing/test_util.h"

namespace mdq::testing::simt {
namespace {

std::vector<int64_t> random_values(int n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int64_t> dist(-1000, 1000);
    std::vector<int64_t> x(static_cast<size_t>(n));
    for (auto& v : x)
        v = dist(rng);
    return x;
}

int next_pow2(int n) {
    int p = 1;
    while (p < n)
        p *= 2;
    return p;
}

// The textbook block reduction: load into shared memory padded to a power of two, then halve
// the active range each step. with_barrier = false drops the barrier after each step.
int64_t tree_reduce(const std::vector<int64_t>& x, bool with_barrier, uint64_t seed) {
    const int n = static_cast<int>(x.size());
    const int p = next_pow2(n);
    Block block(block_config(with_barrier ? "tree_reduce" : "tree_reduce_no_barrier", n,
                             p * static_cast<int64_t>(sizeof(int64_t)), seed));
    int64_t result = 0;
    block.run([&](Thread& t) {
        auto sh = t.shared<int64_t>();
        for (int i = t.thread_idx(); i < p; i += t.block_dim())
            sh[i] = i < n ? x[i] : 0;
        t.sync();
        for (int s = p / 2; s > 0; s /= 2) {
            for (int i = t.thread_idx(); i < s; i += t.block_dim())
                sh[i] += sh[i + s];
            if (with_barrier) t.sync();
        }
        if (t.thread_idx() == 0) result = sh[0];
    });
    return result;
}

TEST(SimtBlock, TreeReductionWithBarrierMatchesReferenceUnderEverySchedule) {
    for (int n : {1, 2, 31, 33, 255, 1024}) {
        const auto x = random_values(n, static_cast<uint64_t>(n));
        const int64_t want = std::accumulate(x.begin(), x.end(), int64_t{0});
        EXPECT_EQ(tree_reduce(x, true, 0), want) << "n=" << n << " in order";
        for (uint64_t seed = 1; seed <= 4; ++seed)
            EXPECT_EQ(tree_reduce(x, true, seed), want) << "n=" << n << " seed " << seed;
    }
}

TEST(SimtBlock, RandomScheduleCatchesMissingBarrier) {
    const auto x = random_values(256, 7);
    const int64_t want = std::accumulate(x.begin(), x.end(), int64_t{0});
    int wrong = 0;
    for (uint64_t seed = 1; seed <= 8; ++seed)
        wrong += tree_reduce(x, false, seed) != want;
    EXPECT_GE(wrong, 1) << "no seed of 8 exposed the removed barrier";
}

// Every lane of every warp sums its warp's values by a shfl_xor butterfly; shfl_down leaves the
// sum in lane 0 only.
TEST(SimtWarp, ShuffleReductionsSumEachWarp) {
    const int n = 96;
    const auto x = random_values(n, 3);
    for (uint64_t seed = 0; seed <= 3; ++seed) {
        Block block(block_config("warp_reduce", n, 0, seed));
        std::vector<int64_t> by_xor(n), by_down(n);
        block.run([&](Thread& t) {
            int64_t a = x[t.thread_idx()], b = a;
            for (int m = kWarp / 2; m > 0; m /= 2) {
                a += t.shfl_xor(a, m);
                b += t.shfl_down(b, m);
            }
            by_xor[t.thread_idx()] = a;
            by_down[t.thread_idx()] = b;
        });
        for (int i = 0; i < n; ++i) {
            const int w = i / kWarp;
            const int64_t want =
                std::accumulate(x.begin() + w * kWarp, x.begin() + (w + 1) * kWarp, int64_t{0});
            EXPECT_EQ(by_xor[i], want) << "thread " << i << " seed " << seed;
            if (i % kWarp == 0) {
                EXPECT_EQ(by_down[i], want) << "thread " << i << " seed " << seed;
            }
        }
    }
}

// A full warp and a partial one (16 lanes, so a 16-lane mask): every lane gets its warp's bits.
TEST(SimtWarp, BallotGathersThePredicatesOfTheMask) {
    const int n = 48;
    const auto x = random_values(n, 5);
    Block block(block_config("ballot", n, 0, 11));
    std::vector<unsigned> got(n);
    block.run([&](Thread& t) {
        const unsigned mask = t.warp() == 0 ? kFullMask : 0xffffu;
        got[t.thread_idx()] = t.ballot(x[t.thread_idx()] > 0, mask);
    });
    for (int i = 0; i < n; ++i) {
        unsigned want = 0;
        const int w = i / kWarp;
        for (int l = 0; l < kWarp && w * kWarp + l < n; ++l)
            if (x[w * kWarp + l] > 0) want |= 1u << l;
        EXPECT_EQ(got[i], want) << "thread " << i;
    }
}

// Lanes reverse a warp's values through shared memory: right with syncwarp between the write
// and the read under every seed, wrong under some seed without it.
TEST(SimtWarp, SyncwarpOrdersSharedMemoryWithinAWarp) {
    const auto x = random_values(kWarp, 13);
    auto reverse = [&](bool with_sync, uint64_t seed) {
        std::vector<int64_t> got(kWarp);
        Block(block_config("warp_reverse", kWarp, kWarp * sizeof(int64_t), seed))
            .run([&](Thread& t) {
                auto sh = t.shared<int64_t>();
                sh[t.lane()] = x[t.lane()];
                if (with_sync) t.syncwarp();
                got[t.lane()] = sh[kWarp - 1 - t.lane()];
            });
        return got;
    };
    const std::vector<int64_t> want(x.rbegin(), x.rend());
    int wrong = 0;
    for (uint64_t seed = 1; seed <= 4; ++seed) {
        EXPECT_EQ(reverse(true, seed), want) << "seed " << seed;
        wrong += reverse(false, seed) != want;
    }
    EXPECT_GE(wrong, 1) << "no seed of 4 exposed the removed syncwarp";
}

TEST(SimtBlock, SharedAtomicHistogramMatchesReference) {
    const int n = 200, bins = 8;
    const auto x = random_values(n, 9);
    std::vector<int> want(bins, 0);
    for (int64_t v : x)
        ++want[static_cast<size_t>((v % bins + bins) % bins)];
    for (uint64_t seed = 1; seed <= 3; ++seed) {
        Block block(block_config("histogram", n, bins * sizeof(int), seed));
        std::vector<int> got(bins);
        block.run([&](Thread& t) {
            auto sh = t.shared<int>();
            if (t.thread_idx() < bins) sh[t.thread_idx()] = 0;
            t.sync();
            const int64_t v = x[t.thread_idx()];
            t.atomic_add(sh[(v % bins + bins) % bins], 1);
            t.sync();
            if (t.thread_idx() < bins) got[t.thread_idx()] = sh[t.thread_idx()];
        });
        EXPECT_EQ(got, want) << "seed " << seed;
    }
}

// Runs body in a block of the given size and asserts the run fails with a message holding the
// kernel's name and part.
::testing::AssertionResult fails_with(const char* kernel, int threads, int64_t shared_bytes,
                                      const std::function<void(Thread&)>& body,
                                      const std::string& part) {
    Block block(block_config(kernel, threads, shared_bytes));
    return throws_with([&] { block.run(body); }, {"kernel '" + std::string(kernel) + "'", part});
}

TEST(SimtWarp, ShuffleWhileALaneWaitsAtABarrierIsReported) {
    EXPECT_TRUE(fails_with(
        "shfl_vs_barrier", kWarp, 0,
        [](Thread& t) {
            if (t.lane() == 31) t.sync();
            (void)t.shfl_down(t.lane(), 1);
        },
        "lane 31 (thread 31) waits at a barrier"));
}

TEST(SimtWarp, MaskNamingAnExitedLaneIsReported) {
    EXPECT_TRUE(fails_with(
        "early_exit", kWarp, 0,
        [](Thread& t) {
            if (t.lane() == 5) return;
            (void)t.shfl_xor(1.0f, 1);
        },
        "lane 5 (thread 5) has exited"));
}

TEST(SimtBlock, DivergentBarrierIsReportedWithKernelAndThread) {
    EXPECT_TRUE(fails_with(
        "divergent", 64, 0,
        [](Thread& t) {
            if (t.thread_idx() < 40) t.sync();
        },
        "barrier divergence: thread 40 exited"));
}

TEST(SimtShared, OutOfBoundsIndexIsReported) {
    const int64_t bytes = 8 * sizeof(float);
    EXPECT_TRUE(fails_with(
        "overrun", 8, bytes,
        [](Thread& t) {
            auto sh = t.shared<float>();
            sh[t.thread_idx()] = 1.0f;
            t.sync();
            if (t.thread_idx() == 3) sh[8] = 0.0f;
        },
        "thread 3 indexes shared memory out of bounds: element 8 of 8"));
    EXPECT_TRUE(fails_with(
        "underrun", 8, bytes, [](Thread& t) { (void)t.shared<float>(4)[-1]; },
        "thread 0 indexes shared memory out of bounds: element -1 of 7"));
}

TEST(SimtBlock, RejectsImpossibleBlocks) {
    BlockConfig c;
    c.threads = 1025;
    EXPECT_TRUE(throws_with([&] { Block b(c); }, {"1..1024 threads, got 1025"}));
}

}  // namespace
}  // namespace mdq::testing::simt
