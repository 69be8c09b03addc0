#include "models/blocks.h"

#include "layers/activation.h"
#include "layers/batch_norm.h"
#include "layers/conv2d.h"

namespace mdq::models {

ModulePtr conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, bool bias, int64_t groups) {
    Conv2dOptions o(in, out, kernel);
    o.stride = stride;
    o.padding = (kernel - 1) / 2;
    o.groups = groups;
    o.bias = bias;
    return std::make_shared<Conv2d>(o);
}

ModulePtr batch_norm2d(int64_t channels, bool affine) {
    BatchNormOptions o(channels);
    o.affine = affine;
    return std::make_shared<BatchNorm2d>(o);
}

ModulePtr batch_norm1d(int64_t features, bool affine) {
    BatchNormOptions o(features);
    o.affine = affine;
    return std::make_shared<BatchNorm1d>(o);
}

std::shared_ptr<Sequential> conv_bn(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                                    bool affine, Act act, int64_t groups) {
    auto s = std::make_shared<Sequential>();
    s->add(conv(in, out, kernel, stride, false, groups));
    s->add(batch_norm2d(out, affine));
    if (act == Act::Relu) s->add(std::make_shared<ReLU>());
    if (act == Act::Relu6) s->add(std::make_shared<ReLU6>());
    return s;
}

int64_t width(const ModelOptions& o, const std::string& bn, int64_t full) {
    const auto it = o.widths.find(bn);
    if (it == o.widths.end()) return full;
    MDQ_CHECK(it->second >= 1 && it->second <= full, "widths: '", bn, "' must keep between 1 and ",
              full, " channels, got ", it->second);
    return it->second;
}

int64_t out_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad) {
    return (in + 2 * pad - kernel) / stride + 1;
}

void check_input(const char* model, int64_t h, int64_t w, int64_t c, int64_t min_size) {
    MDQ_CHECK(h >= min_size && w >= min_size && c > 0, model, ": input ", h, "x", w, "x", c,
              " is too small; the model needs at least ", min_size, "x", min_size,
              " and one channel");
}

}  // namespace mdq::models
