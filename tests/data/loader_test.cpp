// Loader: batch layout, determinism for any number of workers, drop_last, distributed
// shards, resuming with set_position, worker exceptions, shutdown mid-epoch, and one pass over the
// real Fashion-MNIST. Copies to a GPU: loader_cuda_test.cpp.
#include "data/loader.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>

#include "core/error.h"
#include "data/splits.h"
#include "data/transforms.h"
#include "tests/data/loader_test.h"
#include "tests/testing/data_files.h"
#include "tests/testing/test_util.h"

namespace mdq::data {
namespace {

using namespace loader_test;
using testing::all_equal;
using testing::throws_with;

::testing::AssertionResult same(const std::vector<Batch>& a, const std::vector<Batch>& b) {
    if (a.size() != b.size())
        return ::testing::AssertionFailure() << a.size() << " vs " << b.size() << " batches";
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].index != b[i].index) return ::testing::AssertionFailure() << "index differs";
        auto r = all_equal(a[i].images, b[i].images);
        if (!r) return r << " (images of batch " << i << ")";
        r = all_equal(a[i].labels, b[i].labels);
        if (!r) return r << " (labels of batch " << i << ")";
    }
    return ::testing::AssertionSuccess();
}

TEST(Loader, BatchesInOrderWithoutShuffle) {
    Loader loader(fake(10), Pipeline(), opts(4, 2, false));
    EXPECT_EQ(loader.batches_per_epoch(), 3);
    EXPECT_EQ(loader.example_shape(), (ImageShape{6, 5, 3}));
    const std::vector<Batch> batches = epoch(loader, 0);
    ASSERT_EQ(batches.size(), 3u);
    EXPECT_EQ(batches[0].images.shape(), (Shape{4, 6, 5, 3}));
    EXPECT_EQ(batches[0].images.dtype(), DType::F32);
    EXPECT_EQ(batches[2].images.shape(), (Shape{2, 6, 5, 3}));
    EXPECT_EQ(batches[2].labels.to_vector<int64_t>(), (std::vector<int64_t>{8 % 7, 9 % 7}));
    EXPECT_EQ(batches[1].labels.dtype(), DType::I64);
    EXPECT_EQ(batches[1].index, 1);
    // Example 5 is the second of batch 1; pixel p is (5 + p) % 251, divided by 255.
    const std::vector<float> px = batches[1].images.select(0, 1).to_vector<float>();
    for (size_t p = 0; p < px.size(); ++p)
        EXPECT_FLOAT_EQ(px[p], ((5 + p) % 251) / 255.f);
}

TEST(Loader, SameSeedAndEpochGiveTheSameBatchesForAnyWorkerCount) {
    Loader l0(fake(23), augment(), opts(5, 0));
    Loader l1(fake(23), augment(), opts(5, 1));
    Loader l3(fake(23), augment(), opts(5, 3));
    const std::vector<Batch> a = epoch(l0, 3);
    EXPECT_TRUE(same(a, epoch(l1, 3)));
    EXPECT_TRUE(same(a, epoch(l3, 3)));
    EXPECT_TRUE(same(a, epoch(l3, 3)));  // again, on a loader that already ran it
    EXPECT_FALSE(same(a, epoch(l3, 4)));
    std::set<int64_t> labels;
    for (const Batch& b : a)
        for (int64_t y : b.labels.to_vector<int64_t>())
            labels.insert(y);
    EXPECT_EQ(labels.size(), 7u);
}

TEST(Loader, DropLastDropsTheShortBatch) {
    LoaderOptions o = opts(4, 2);
    o.drop_last = true;
    Loader loader(fake(10), Pipeline(), o);
    EXPECT_EQ(loader.batches_per_epoch(), 2);
    const std::vector<Batch> batches = epoch(loader, 0);
    ASSERT_EQ(batches.size(), 2u);
    for (const Batch& b : batches)
        EXPECT_EQ(b.labels.numel(), 4);
    EXPECT_FALSE(loader.next().has_value());  // stays at the end until the next epoch
}

TEST(Loader, TwoRanksCoverTheEpochWithEqualCounts) {
    // Labels are i % 7, so give each example its own label by using 7 examples.
    std::multiset<int64_t> seen;
    int64_t batches[2];
    for (int r = 0; r < 2; ++r) {
        LoaderOptions o = opts(2, 1);
        o.rank = r;
        o.world_size = 2;
        Loader loader(fake(7), augment(), o);
        batches[r] = loader.batches_per_epoch();
        int64_t count = 0;
        for (const Batch& b : epoch(loader, 5)) {
            count += b.labels.numel();
            for (int64_t y : b.labels.to_vector<int64_t>())
                seen.insert(y);
        }
        EXPECT_EQ(count, 4);
    }
    EXPECT_EQ(batches[0], batches[1]);
    for (int64_t y = 0; y < 7; ++y)
        EXPECT_GE(seen.count(y), 1u);
    EXPECT_EQ(seen.size(), 8u);  // one example padded in
}

TEST(Loader, SetPositionResumesExactly) {
    Loader full(fake(30), augment(), opts(4, 2));
    const std::vector<Batch> a = epoch(full, 2);
    Loader resumed(fake(30), augment(), opts(4, 3));
    resumed.set_position(2, 5);
    EXPECT_EQ(resumed.position(), 5);
    std::vector<Batch> rest;
    while (auto b = resumed.next())
        rest.push_back(std::move(*b));
    EXPECT_TRUE(same(std::vector<Batch>(a.begin() + 5, a.end()), rest));
    // Repositioning mid-epoch, with batches already prefetched, also works.
    full.start_epoch(2);
    ASSERT_TRUE(full.next().has_value());
    full.set_position(2, 6);
    auto b6 = full.next();
    ASSERT_TRUE(b6.has_value());
    EXPECT_EQ(b6->index, 6);
    EXPECT_TRUE(all_equal(b6->images, a[6].images));
    EXPECT_TRUE(throws_with([&] { full.set_position(2, 9); }, {"batch 9", "[0, 8]"}));
}

TEST(Loader, WorkerExceptionReachesTheCaller) {
    for (int workers : {0, 2}) {
        Loader loader(fake(12, 6), Pipeline(), opts(4, workers, false));
        loader.start_epoch(0);
        ASSERT_TRUE(loader.next().has_value());
        EXPECT_TRUE(throws_with([&] { loader.next(); }, {"fake.bin", "example 6 is unreadable"}));
        EXPECT_TRUE(throws_with([&] { loader.next(); }, {"example 6"}));  // until repositioned
        loader.set_position(0, 2);
        auto last = loader.next();
        ASSERT_TRUE(last.has_value());
        EXPECT_EQ(last->index, 2);
    }
}

TEST(Loader, DestructionJoinsMidEpoch) {
    for (int i = 0; i < 5; ++i) {
        Loader loader(fake(200), augment(), opts(3, 3));
        loader.start_epoch(0);
        ASSERT_TRUE(loader.next().has_value());
    }
    Loader never_started(fake(50), augment(), opts(3, 2));
}

TEST(Loader, BatchesOutliveTheLoaderAndMayBeHeld) {
    std::vector<Batch> kept;
    {
        Loader loader(fake(40), Pipeline(), opts(2, 2, false));
        kept = epoch(loader, 0);  // 20 batches held at once, more than the prefetch depth
    }
    ASSERT_EQ(kept.size(), 20u);
    EXPECT_EQ(kept[19].labels.to_vector<int64_t>(), (std::vector<int64_t>{38 % 7, 39 % 7}));
    EXPECT_FLOAT_EQ(kept[19].images.to_vector<float>()[0], 38.f / 255.f);
}

TEST(Loader, VaryingSizesNeedACrop) {
    auto varying = std::make_shared<FakeDataset>(6, ImageShape{0, 0, 3});
    EXPECT_TRUE(throws_with([&] { Loader(varying, Pipeline(), opts(2, 1)); },
                            {"vary in size", "end it with a crop"}));
    Loader loader(varying, Pipeline({std::make_shared<CenterCrop>(7)}, Normalization{}),
                  opts(2, 1));
    EXPECT_EQ(epoch(loader, 0).size(), 3u);
}

TEST(Loader, BadOptions) {
    EXPECT_TRUE(throws_with([] { Loader(fake(4), Pipeline(), opts(0, 1)); }, {"batch_size"}));
    EXPECT_TRUE(throws_with([] { Loader(fake(4), Pipeline(), opts(2, -1)); }, {"num_workers"}));
    LoaderOptions o = opts(2, 1);
    o.prefetch = 0;
    EXPECT_TRUE(throws_with([&] { Loader(fake(4), Pipeline(), o); }, {"prefetch"}));
}

// One pass over the real Fashion-MNIST training set (Debian package dataset-fashion-mnist).
TEST(FashionMnist, LoaderPassOverTheTrainingSet) {
    SKIP_WITHOUT_FASHION_MNIST();
    const DatasetSplits s = make_dataset_splits("fashion-mnist");
    LoaderOptions o;
    o.num_workers = 2;
    Loader loader(s.train, s.train_transform, o);
    EXPECT_EQ(loader.batches_per_epoch(), (55000 + 127) / 128);
    const auto t0 = std::chrono::steady_clock::now();
    double sum = 0, sum_sq = 0;
    int64_t images = 0;
    loader.start_epoch(0);
    while (auto b = loader.next()) {
        EXPECT_EQ(b->images.shape().back(), 1);
        const float* p = b->images.data<float>();
        for (int64_t i = 0; i < b->images.numel(); ++i) {
            sum += p[i];
            sum_sq += p[i] * p[i];
        }
        images += b->labels.numel();
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("Fashion-MNIST: %lld images in %.2f s (%.0f images/s with 2 workers)\n",
                static_cast<long long>(images), secs, images / secs);
    EXPECT_EQ(images, 55000);
    // Normalised with the dataset's own mean and std: about 0 and 1.
    const double n = static_cast<double>(images) * 28 * 28;
    EXPECT_NEAR(sum / n, 0.0, 0.02);
    EXPECT_NEAR(std::sqrt(sum_sq / n - (sum / n) * (sum / n)), 1.0, 0.02);
}

}  // namespace
}  // namespace mdq::data
