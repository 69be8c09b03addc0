// The order in which one rank reads a dataset in an epoch, like PyTorch's DistributedSampler:
// the whole dataset is permuted by a seeded Philox Fisher-Yates shuffle of that epoch (or kept
// in order), padded by repeating its first indices until its length is a multiple of the
// world size, and rank r takes positions r, r + world_size, r + 2 world_size, ...
// Every rank thus reads ceil(n / world_size) examples and together they cover all n; a few
// examples are read twice in an epoch when world_size does not divide n.
#pragma once

#include <cstdint>
#include <vector>

namespace mdq::data {

class DistributedSampler {
  public:
    DistributedSampler(int64_t dataset_size, bool shuffle, uint64_t seed, int rank = 0,
                       int world_size = 1);

    // Examples this rank reads per epoch.
    int64_t num_samples() const { return num_samples_; }
    // The dataset indices of this rank's epoch, in reading order.
    std::vector<int64_t> indices(int64_t epoch) const;

  private:
    int64_t size_;
    bool shuffle_;
    uint64_t seed_;
    int rank_, world_size_;
    int64_t num_samples_;
};

}  // namespace mdq::data
