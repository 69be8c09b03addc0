// When a TrainStep with `cuda_graph` runs its step eagerly, captures it or replays it, kept
// apart from the CUDA calls so that the CPU tests cover it. The first `eager_steps` calls run
// eagerly (cuDNN picks its algorithms, caches and library handles fill, the allocator's pool
// grows); the next one captures; the rest replay. A replay needs everything the graph bakes in
// to be unchanged: the input shapes (a change is an error: training with graphs needs
// drop_last and one batch size) and a fingerprint of the addresses and modes the captured
// kernels read (a change, e.g. after the optimizer rebuilt its launch tables, recaptures).
#pragma once

#include <cstdint>
#include <vector>

#include "core/shape.h"

namespace mdq {

class StepGraphPolicy {
  public:
    enum class Action { Eager, Capture, Replay };

    explicit StepGraphPolicy(int64_t eager_steps);

    // The action for the next step with these input shapes and this fingerprint. Throws
    // ValueError when the shapes differ from the captured ones.
    Action next(const Shape& images, const Shape& labels, const std::vector<uintptr_t>& print);
    // A Capture succeeded with these inputs; until then every step is a Capture.
    void captured(const Shape& images, const Shape& labels, const std::vector<uintptr_t>& print);

    int64_t captures() const { return captures_; }
    int64_t replays() const { return replays_; }

  private:
    int64_t eager_left_;
    bool captured_ = false;
    Shape images_, labels_;
    std::vector<uintptr_t> print_;
    int64_t captures_ = 0, replays_ = 0;
};

}  // namespace mdq
