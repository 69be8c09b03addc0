// The parameter arena (docs/DESIGN.md decision 4): after a model is built, its parameter values and
// gradients are moved into two flat f32 buffers, in registration order, and every parameter
// becomes a view. One optimizer launch, one (bucketed) all-reduce and one checkpoint layout
// then cover the whole model. Offsets are aligned to 16 elements (64 bytes) so vector
// accesses never straddle two parameters.
#pragma once

#include <string>
#include <vector>

#include "layers/module.h"

namespace mdq {

class ParamArena {
  public:
    struct Slot {
        std::string name;
        Parameter* param = nullptr;
        int64_t offset = 0;  // in elements, into values() and grads()
        int64_t numel = 0;
        Shape shape;
    };

    ParamArena() = default;
    // Packs every parameter of `m` (all f32 on one device). Values are copied in; gradients
    // start at zero and backward accumulates into them in place.
    explicit ParamArena(Module& m, int64_t align = 16);

    const std::vector<Slot>& slots() const { return slots_; }
    const Slot& slot(const std::string& name) const;
    Tensor values() const { return values_; }  // 1-D, size() elements (padding included)
    Tensor grads() const { return grads_; }
    int64_t size() const { return size_; }  // padded length
    int64_t num_parameters() const;         // sum of the slots' numel
    Device device() const { return values_.device(); }

    void zero_grad();
    // Allocates a flat low-precision copy (bf16) and points every Parameter::compute into it.
    // The optimizer refreshes it after each step; sync_compute() does it from values().
    Tensor enable_compute_copy(DType dt);
    Tensor compute_values() const { return compute_; }
    void sync_compute();

  private:
    std::vector<Slot> slots_;
    Tensor values_, grads_, compute_;
    int64_t size_ = 0;
};

}  // namespace mdq
