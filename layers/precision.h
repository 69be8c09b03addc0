// Mixed precision for the layers (docs/DESIGN.md decision 6): with compute dtype bf16 on a GPU,
// convolutions and linear layers read bf16 weights (the parameter's compute copy when the
// arena keeps one) while parameters and their gradients stay f32. On the CPU, bf16 compute
// falls back to f32.
#pragma once

#include "layers/module.h"

namespace mdq {

// The dtype a conv/linear layer computes in for input x: bf16 when the module asks for bf16
// and x is on a GPU, else f64 for f64 input (gradient checks) and f32 otherwise.
DType layer_compute_dtype(const Module& m, const Tensor& x);

// The parameter as a dt tensor for forward: its value when already dt; its compute copy when
// that is current and dt (the gradient still reaches the f32 value, converted to f32); else a
// differentiable cast of the value.
Tensor compute_weight(const Parameter& p, DType dt);

// Casts the final activations to f32 (the logits of a bf16 model).
class ToF32 : public Module {
  public:
    Tensor forward(const Tensor& x) override { return x.to(DType::F32); }
    std::string type_name() const override { return "ToF32"; }
};

}  // namespace mdq
