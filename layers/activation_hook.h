// A thread-local hook through which every module's input and output and every residual sum
// pass (post-training quantization's observers and fake quantizers, optim/train/ptq.h): it may
// return the tensor it was given or a replacement. None is installed by default, and then the
// forward pass is unchanged.
#pragma once

#include "core/tensor.h"

namespace mdq {

class Module;

class ActivationHook {
  public:
    virtual ~ActivationHook() = default;
    virtual Tensor on_input(const Module&, const Tensor& x) { return x; }
    virtual Tensor on_output(const Module&, const Tensor& y) { return y; }
    virtual Tensor on_residual(const Tensor& sum) { return sum; }
};

ActivationHook* activation_hook();                       // the installed one, or null
ActivationHook* set_activation_hook(ActivationHook* h);  // returns the previous one

// Installs a hook for its lifetime and puts the previous one back.
class ActivationHookGuard {
  public:
    explicit ActivationHookGuard(ActivationHook* h) : prev_(set_activation_hook(h)) {}
    ~ActivationHookGuard() { set_activation_hook(prev_); }
    ActivationHookGuard(const ActivationHookGuard&) = delete;
    ActivationHookGuard& operator=(const ActivationHookGuard&) = delete;

  private:
    ActivationHook* prev_;
};

}  // namespace mdq
