// A synthetic dataset (a failing read on request), an augmenting pipeline, loader options in
// one call and a whole epoch collected: shared by loader_test.cpp and loader_cuda_test.cpp.
#pragma once

#include <vector>

#include "core/error.h"
#include "data/loader.h"
#include "data/transforms.h"

namespace mdq::data::loader_test {

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

inline std::shared_ptr<const Dataset> fake(int64_t n, int64_t fail_at = -1) {
    return std::make_shared<FakeDataset>(n, ImageShape{6, 5, 3}, fail_at);
}

inline Pipeline augment() {
    return Pipeline({std::make_shared<RandomCrop>(4, 1), std::make_shared<RandomHorizontalFlip>()},
                    Normalization{{0.5f}, {0.25f}});
}

inline LoaderOptions opts(int64_t batch, int workers, bool shuffle = true) {
    LoaderOptions o;
    o.batch_size = batch;
    o.num_workers = workers;
    o.shuffle = shuffle;
    o.seed = 77;
    o.prefetch = 2;
    return o;
}

inline std::vector<Batch> epoch(Loader& loader, int64_t e) {
    loader.start_epoch(e);
    std::vector<Batch> out;
    while (auto b = loader.next())
        out.push_back(std::move(*b));
    return out;
}

}  // namespace mdq::data::loader_test
