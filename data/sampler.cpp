#include "data/sampler.h"

#include <numeric>
#include <utility>

#include "core/error.h"
#include "data/philox_stream.h"

namespace mdq::data {

DistributedSampler::DistributedSampler(int64_t dataset_size, bool shuffle, uint64_t seed, int rank,
                                       int world_size)
    : size_(dataset_size), shuffle_(shuffle), seed_(seed), rank_(rank), world_size_(world_size) {
    MDQ_CHECK(dataset_size > 0 && dataset_size <= (int64_t{1} << 32),
              "DistributedSampler: dataset size ", dataset_size, " must be in [1, 2^32]");
    MDQ_CHECK(world_size >= 1 && rank >= 0 && rank < world_size, "DistributedSampler: rank ", rank,
              " must be in [0, world_size ", world_size, ")");
    num_samples_ = (size_ + world_size_ - 1) / world_size_;
}

std::vector<int64_t> DistributedSampler::indices(int64_t epoch) const {
    MDQ_CHECK(epoch >= 0, "DistributedSampler: epoch must be >= 0, got ", epoch);
    std::vector<int64_t> order(static_cast<size_t>(size_));
    std::iota(order.begin(), order.end(), 0);
    if (shuffle_) {
        PhiloxStream rng = PhiloxStream::for_shuffle(seed_, epoch);
        for (int64_t i = size_ - 1; i > 0; --i)
            std::swap(order[static_cast<size_t>(i)],
                      order[rng.below(static_cast<uint64_t>(i) + 1)]);
    }
    std::vector<int64_t> mine;
    mine.reserve(static_cast<size_t>(num_samples_));
    for (int64_t k = 0; k < num_samples_; ++k) {
        const int64_t position = k * world_size_ + rank_;  // in the padded order
        mine.push_back(order[static_cast<size_t>(position % size_)]);
    }
    return mine;
}

}  // namespace mdq::data
