// A sequential reader of one Philox4x32-10 stream (core/philox.h): 32-bit words, uniform
// floats and unbiased integers in a range. The data pipeline keys every random decision by
// what it is about, never by which thread makes it:
//   augmentation of example i in epoch e:  stream i,             blocks from e * 2^32
//   the shuffle of epoch e:                stream 2^63 + e,      blocks from 0
// so an epoch is bitwise the same for any number of worker threads.
#pragma once

#include <cstdint>

#include "core/philox.h"

namespace mdq::data {

class PhiloxStream {
  public:
    PhiloxStream(uint64_t seed, uint64_t stream, uint64_t first_block)
        : seed_(seed), stream_(stream), block_(first_block) {}

    // The stream of random numbers that augments example `index` in `epoch`.
    static PhiloxStream for_example(uint64_t seed, int64_t epoch, int64_t index) {
        return PhiloxStream(seed, static_cast<uint64_t>(index), static_cast<uint64_t>(epoch) << 32);
    }
    // The stream that shuffles the dataset in `epoch`.
    static PhiloxStream for_shuffle(uint64_t seed, int64_t epoch) {
        return PhiloxStream(seed, (uint64_t{1} << 63) + static_cast<uint64_t>(epoch), 0);
    }

    uint32_t next_u32() {
        if (used_ == 4) {
            words_ = philox_block(seed_, stream_, block_++);
            used_ = 0;
        }
        return words_.v[used_++];
    }
    // Uniform in [0, 1), 24 random bits.
    float uniform() { return philox_uniform01(next_u32()); }
    // Uniform in [lo, hi).
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // Uniform integer in [0, n), n <= 2^32, without modulo bias (Lemire's method).
    uint32_t below(uint64_t n) {
        uint64_t m = uint64_t{next_u32()} * n;
        if (static_cast<uint32_t>(m) < n) {
            const uint32_t threshold = static_cast<uint32_t>((uint64_t{1} << 32) % n);
            while (static_cast<uint32_t>(m) < threshold)
                m = uint64_t{next_u32()} * n;
        }
        return static_cast<uint32_t>(m >> 32);
    }
    // Uniform integer in [lo, hi], both included.
    int64_t between(int64_t lo, int64_t hi) {
        return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
    }
    bool coin(float p = 0.5f) { return uniform() < p; }

  private:
    uint64_t seed_, stream_, block_;
    Philox4 words_{};
    int used_ = 4;
};

}  // namespace mdq::data
