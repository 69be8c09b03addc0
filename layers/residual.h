// The sum that closes a residual connection (ResNet's basic block, MobileNetV2's inverted
// residual): branch + shortcut, same shape and dtype. Models call it instead of a kernel, so
// that models/ only composes layers/ and the residual adds are found in one place.
#pragma once

#include "core/tensor.h"

namespace mdq {

Tensor residual_add(const Tensor& branch, const Tensor& shortcut);

}  // namespace mdq
