// DistributedSampler: seeded shuffles per epoch, and shards that cover the dataset with
// equal counts.
#include "data/sampler.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "tests/testing/test_util.h"

namespace mdq::data {
namespace {

TEST(Sampler, InOrderWithoutShuffle) {
    const DistributedSampler s(5, false, 1);
    EXPECT_EQ(s.indices(0), (std::vector<int64_t>{0, 1, 2, 3, 4}));
    EXPECT_EQ(s.indices(7), s.indices(0));
}

TEST(Sampler, ShuffleIsASeededPermutationPerEpoch) {
    const DistributedSampler s(1000, true, 42);
    const std::vector<int64_t> e0 = s.indices(0);
    std::vector<int64_t> sorted = e0;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int64_t> all(1000);
    std::iota(all.begin(), all.end(), 0);
    EXPECT_EQ(sorted, all);
    EXPECT_NE(e0, all);
    EXPECT_EQ(DistributedSampler(1000, true, 42).indices(0), e0);
    EXPECT_NE(s.indices(1), e0);
    EXPECT_NE(DistributedSampler(1000, true, 43).indices(0), e0);
}

TEST(Sampler, RanksCoverTheEpochWithEqualCounts) {
    for (int64_t n : {10, 11, 13}) {
        const int world = 3;
        std::multiset<int64_t> seen;
        for (int r = 0; r < world; ++r) {
            const DistributedSampler s(n, true, 9, r, world);
            EXPECT_EQ(s.num_samples(), (n + world - 1) / world);
            const std::vector<int64_t> mine = s.indices(2);
            EXPECT_EQ(static_cast<int64_t>(mine.size()), s.num_samples());
            seen.insert(mine.begin(), mine.end());
        }
        for (int64_t i = 0; i < n; ++i)
            EXPECT_GE(seen.count(i), 1u) << "n " << n << " index " << i;
        // Padding repeats the first (world * ceil(n / world) - n) indices of the shuffle.
        EXPECT_EQ(static_cast<int64_t>(seen.size()), (n + world - 1) / world * world);
    }
}

TEST(Sampler, PaddingWrapsLikePyTorch) {
    // 5 examples over 2 ranks, in order: padded order 0 1 2 3 4 0.
    EXPECT_EQ(DistributedSampler(5, false, 0, 0, 2).indices(0), (std::vector<int64_t>{0, 2, 4}));
    EXPECT_EQ(DistributedSampler(5, false, 0, 1, 2).indices(0), (std::vector<int64_t>{1, 3, 0}));
}

TEST(Sampler, BadArguments) {
    EXPECT_TRUE(testing::throws_with([] { DistributedSampler(5, false, 0, 2, 2); }, {"rank 2"}));
    EXPECT_TRUE(testing::throws_with([] { DistributedSampler(0, false, 0); }, {"dataset size 0"}));
}

}  // namespace
}  // namespace mdq::data
