// A thread context (kernels/common/simt.h) that forwards to the emulator's Thread but skips
// chosen barriers: the tests run a real kernel body with one of its __syncthreads removed and
// check that the random schedule then gets a wrong result, i.e. that the test can fail.
#pragma once

#include "tests/testing/simt/block.h"

namespace mdq::testing::simt {

class DropBarrier {
  public:
    // Skips the thread's barriers number k with k % period == which (counted from 0), so
    // (1, 0) drops every barrier and (2, 1) the second of each pair.
    DropBarrier(Thread& t, int period, int which) : t_(t), period_(period), which_(which) {}

    unsigned thread_idx() const { return t_.thread_idx(); }
    unsigned block_dim() const { return t_.block_dim(); }
    unsigned block_idx() const { return t_.block_idx(); }
    unsigned grid_dim() const { return t_.grid_dim(); }
    unsigned lane() const { return t_.lane(); }
    unsigned warp() const { return t_.warp(); }
    void sync() {
        if (count_++ % period_ != which_) t_.sync();
    }
    void syncwarp(unsigned mask = kFullMask) { t_.syncwarp(mask); }
    unsigned ballot(bool p, unsigned mask = kFullMask) { return t_.ballot(p, mask); }
    void fence() { t_.fence(); }
    template <class T>
    T shfl_xor(const T& v, int lane_mask, unsigned mask = kFullMask) {
        return t_.shfl_xor(v, lane_mask, mask);
    }
    template <class T>
    T shfl_down(const T& v, int delta, unsigned mask = kFullMask) {
        return t_.shfl_down(v, delta, mask);
    }
    template <class T>
    T atomic_add(T& target, T v) {
        return t_.atomic_add(target, v);
    }
    template <class T>
    T atomic_min(T& target, T v) {
        return t_.atomic_min(target, v);
    }

  private:
    Thread& t_;
    int period_, which_;
    int count_ = 0;
};

}  // namespace mdq::testing::simt
