#include "layers/activation.h"

#include "kernels/elementwise/unary.h"

namespace mdq {

Tensor ReLU::forward(const Tensor& x) {
    return relu(x);
}
Tensor ReLU6::forward(const Tensor& x) {
    return relu6(x);
}
Tensor Tanh::forward(const Tensor& x) {
    return tanh(x);
}
Tensor Flatten::forward(const Tensor& x) {
    return x.flatten(start_);
}

}  // namespace mdq
