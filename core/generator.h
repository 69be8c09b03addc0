// Random streams: a seed, a stream id and an offset counting the Philox blocks used so far.
// Saving (seed, stream, offset) in a checkpoint makes the continuation exact.
#pragma once

#include <cstdint>

namespace mdq {

class Generator {
  public:
    explicit Generator(uint64_t seed = 0, uint64_t stream = 0) : seed_(seed), stream_(stream) {}
    uint64_t seed() const { return seed_; }
    uint64_t stream() const { return stream_; }
    uint64_t offset() const { return offset_; }
    void set_offset(uint64_t o) { offset_ = o; }
    // Reserves `blocks` Philox blocks and returns the first one.
    uint64_t reserve(uint64_t blocks) {
        const uint64_t first = offset_;
        offset_ += blocks;
        return first;
    }

  private:
    uint64_t seed_, stream_, offset_ = 0;
};

// The process-wide generator used when an op is given none.
Generator& default_generator();
void manual_seed(uint64_t seed);

}  // namespace mdq
