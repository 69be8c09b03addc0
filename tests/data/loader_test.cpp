// Loader: batch layout, determinism for any number of workers, drop_last, distributed
// shards, resuming with set_position, worker exceptions, and shutdown mid-epoch.
#include "data/loader.h"

#include <set>

#include "core/error.h"
#include "data/transforms.h"
#include "tests/testing/test_util.h"

namespace mdq::data {
namespace {

using testing::all_equal;
using testing::throws_with;

// Example i: pixels (i + p) % 251 and label i % 7; reading `fail_at` throws an IoError.
class FakeDataset final : public Dataset {
  public:
    FakeDataset(int64_t n, ImageShape shape, int64_t fail_at = -1)
        : n_(n), shape_(shape), fail_at_(fail_at) {}
    int64_t size() const override { return n_; }
    int64_t num_classes() const override { return 7; }
    ImageShape image_shape() const override { return shape_; }
    int64_t label(int64_t index) const override { return index % 7; }
    int64_t read(int64_t index, Image& image) const override {
        check_index(*this, index);
        if (index == fail_at_) MDQ_THROW(IoError, "fake.bin: example ", index, " is unreadable");
        const int64_t h = shape_.height ? shape_.height : 8 + index % 5;
        image.resize(h, shape_.width ? shape_.width : 9, shape_.channels);
        for (size_t p = 0; p < image.pixels.size(); ++p)
            image.pixels[p] = static_cast<uint8_t>((index + static_cast<int64_t>(p)) % 251);
        return label(index);
    }
    std::string description() const override { return "fake"; }

  private:
    int64_t n_;
    ImageShape shape_;
    int64_t fail_at_;
};

std::shared_ptr<const Dataset> fake(int64_t n, int64_t fail_at = -1) {
    return std::make_shared<FakeDataset>(n, ImageShape{6, 5, 3}, fail_at);
}

Pipeline augment() {
    return Pipeline({std::make_shared<RandomCrop>(4, 1), std::make_shared<RandomHorizontalFlip>()},
                    Normalization{{0.5f}, {0.25f}});
}

LoaderOptions opts(int64_t batch, int workers, bool shuffle = true) {
    LoaderOptions o;
    o.batch_size = batch;
    o.num_workers = workers;
    o.shuffle = shuffle;
    o.seed = 77;
    o.prefetch = 2;
    return o;
}

std::vector<Batch> epoch(Loader& loader, int64_t e) {
    loader.start_epoch(e);
    std::vector<Batch> out;
    while (auto b = loader.next())
        out.push_back(std::move(*b));
    return out;
}

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

TEST(LoaderCuda, CopiesBatchesToTheGpu) {
    MDQ_SKIP_IF_NO_CUDA();
    LoaderOptions o = opts(4, 2);
    Loader cpu(fake(10), augment(), o);
    o.device = Device::cuda(0);
    Loader gpu(fake(10), augment(), o);
    const std::vector<Batch> a = epoch(cpu, 1), b = epoch(gpu, 1);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_TRUE(b[i].images.is_cuda());
        EXPECT_TRUE(all_equal(a[i].images, b[i].images.to(Device::cpu())));
        EXPECT_TRUE(all_equal(a[i].labels, b[i].labels.to(Device::cpu())));
    }
}

}  // namespace
}  // namespace mdq::data
