#include "layers/pooling.h"

namespace mdq {

namespace {

Pool2dArgs square_args(int64_t kernel, int64_t stride, int64_t padding, bool include_pad) {
    Pool2dArgs a;
    a.kernel_h = a.kernel_w = kernel;
    a.stride_h = a.stride_w = stride == 0 ? kernel : stride;
    a.pad_h = a.pad_w = padding;
    a.count_include_pad = include_pad;
    return a;
}

std::string describe_pool(const char* type, const Pool2dArgs& a) {
    return detail::cat(type, "(k=", a.kernel_h, ", s=", a.stride_h, ", p=", a.pad_h, ")");
}

// Throws naming the layer when x is not [N, H, W, C] or the window does not fit.
void check_pool_input(PoolKind kind, const std::string& name, const Tensor& x,
                      const Pool2dArgs& a) {
    check_defined(name.c_str(), x);
    pool2d_geometry(kind, x.shape(), a, name.c_str());
}

}  // namespace

MaxPool2d::MaxPool2d(int64_t kernel, int64_t stride, int64_t padding)
    : args_(square_args(kernel, stride, padding, true)) {}

std::string MaxPool2d::describe() const {
    return describe_pool("MaxPool2d", args_);
}

Tensor MaxPool2d::forward(const Tensor& x) {
    check_pool_input(PoolKind::Max, describe(), x, args_);
    return max_pool2d(x, args_);
}

AvgPool2d::AvgPool2d(int64_t kernel, int64_t stride, int64_t padding, bool count_include_pad)
    : args_(square_args(kernel, stride, padding, count_include_pad)) {}

std::string AvgPool2d::describe() const {
    return describe_pool("AvgPool2d", args_);
}

Tensor AvgPool2d::forward(const Tensor& x) {
    check_pool_input(PoolKind::Avg, describe(), x, args_);
    return avg_pool2d(x, args_);
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(int64_t out_h, int64_t out_w) : out_h_(out_h), out_w_(out_w) {
    MDQ_CHECK(out_h > 0 && out_w > 0, "AdaptiveAvgPool2d: output size must be positive, got ",
              out_h, "x", out_w);
}

std::string AdaptiveAvgPool2d::describe() const {
    return detail::cat("AdaptiveAvgPool2d(", out_h_, ", ", out_w_, ")");
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) {
    const std::string name = describe();
    check_defined(name.c_str(), x);
    adaptive_pool2d_geometry(x.shape(), out_h_, out_w_, name.c_str());
    return adaptive_avg_pool2d(x, out_h_, out_w_);
}

}  // namespace mdq
