// The real Fashion-MNIST of the Debian package dataset-fashion-mnist: sizes, geometry, the
// label histogram, and one pass of the loader over it.
#include <chrono>
#include <cmath>
#include <cstdio>

#include "data/file_bytes.h"
#include "data/loader.h"
#include "data/splits.h"
#include "data/subset.h"
#include "tests/testing/test_util.h"

namespace mdq::data {
namespace {

#define SKIP_WITHOUT_FASHION_MNIST()                                              \
    do {                                                                          \
        if (!dir_exists(default_data_dir("fashion-mnist")))                       \
            GTEST_SKIP() << default_data_dir("fashion-mnist")                     \
                         << " is absent (apt-get install dataset-fashion-mnist)"; \
    } while (0)

std::vector<int64_t> histogram(const Dataset& ds) {
    std::vector<int64_t> h(static_cast<size_t>(ds.num_classes()));
    for (int64_t i = 0; i < ds.size(); ++i)
        ++h[static_cast<size_t>(ds.label(i))];
    return h;
}

TEST(FashionMnist, RealFilesHaveTheOfficialSizesAndLabels) {
    SKIP_WITHOUT_FASHION_MNIST();
    const DatasetSplits s = make_dataset_splits("fashion-mnist");
    const Subset& train = dynamic_cast<const Subset&>(*s.train);
    EXPECT_EQ(train.base().size(), 60000);
    EXPECT_EQ(s.train->size(), 55000);
    EXPECT_EQ(s.val->size(), 5000);
    EXPECT_EQ(s.test->size(), 10000);
    EXPECT_EQ(s.test->image_shape(), (ImageShape{28, 28, 1}));
    EXPECT_EQ(s.train->num_classes(), 10);
    EXPECT_EQ(histogram(train.base()), std::vector<int64_t>(10, 6000));
    EXPECT_EQ(histogram(*s.test), std::vector<int64_t>(10, 1000));
}

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
