// MobileNetV2: torchvision's ImageNet model (width 1.0: 3,504,872 parameters for 1000 classes)
// and kuangliu/pytorch-cifar's CIFAR variant (stem stride 1, second stage stride 1, ReLU,
// conv shortcuts; 2,296,922 parameters with affine batch norm for 10 classes, 2,261,834 with
// the mirror-descent default of non-affine batch norm). For 64x64 inputs the CIFAR variant's
// stem has stride 2, as in resnet18-cifar.
#include "models/mobilenetv2.h"

#include "layers/activation.h"
#include "layers/dropout.h"
#include "layers/linear.h"
#include "layers/pooling.h"
#include "layers/precision.h"
#include "layers/residual.h"
#include "models/blocks.h"
#include "models/builders.h"

namespace mdq::models {

namespace {

// (expansion t, output width c, blocks n, first stride s), as in the MobileNetV2 paper.
struct StageSpec {
    int64_t t, c, n, s;
};
constexpr StageSpec kStages[7] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                  {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};

// 1x1 projection + BN, the linear bottleneck.
void add_projection(Sequential& s, int64_t in, int64_t out, bool affine) {
    s.add(conv(in, out, 1));
    s.add(batch_norm2d(out, affine));
}

}  // namespace

InvertedResidual::InvertedResidual(int64_t in, int64_t out, int64_t stride, int64_t expand,
                                   bool affine)
    : residual_(stride == 1 && in == out) {
    const int64_t hidden = in * expand;
    auto c = std::make_shared<Sequential>();
    if (expand != 1) c->add(conv_bn(in, hidden, 1, 1, affine, Act::Relu6));
    c->add(conv_bn(hidden, hidden, 3, stride, affine, Act::Relu6, hidden));
    add_projection(*c, hidden, out, affine);
    conv_ = c;
    register_module("conv", conv_);
}

Tensor InvertedResidual::forward(const Tensor& x) {
    Tensor y = (*conv_)(x);
    return residual_ ? residual_add(y, x) : y;
}

CifarInvertedResidual::CifarInvertedResidual(int64_t in, int64_t out, int64_t stride,
                                             int64_t expand, bool affine)
    : residual_(stride == 1) {
    const int64_t hidden = in * expand;
    auto c = std::make_shared<Sequential>();
    c->add(conv_bn(in, hidden, 1, 1, affine, Act::Relu));
    c->add(conv_bn(hidden, hidden, 3, stride, affine, Act::Relu, hidden));
    add_projection(*c, hidden, out, affine);
    conv_ = c;
    register_module("conv", conv_);
    if (stride == 1 && in != out) {
        auto s = std::make_shared<Sequential>();
        add_projection(*s, in, out, affine);
        shortcut_ = s;
        register_module("shortcut", shortcut_);
    }
}

Tensor CifarInvertedResidual::forward(const Tensor& x) {
    Tensor y = (*conv_)(x);
    if (!residual_) return y;
    return residual_add(y, shortcut_ ? (*shortcut_)(x) : x);
}

ModulePtr build_mobilenetv2(const ModelOptions& o) {
    check_input("mobilenetv2", o.input_h, o.input_w, o.in_channels, 32);
    const bool affine = *o.affine_bn;
    auto features = std::make_shared<Sequential>();
    features->add(conv_bn(o.in_channels, 32, 3, 2, affine, Act::Relu6));
    int64_t in = 32;
    for (const StageSpec& st : kStages)
        for (int64_t i = 0; i < st.n; ++i) {
            features->add(
                std::make_shared<InvertedResidual>(in, st.c, i == 0 ? st.s : 1, st.t, affine));
            in = st.c;
        }
    features->add(conv_bn(in, 1280, 1, 1, affine, Act::Relu6));
    auto classifier = std::make_shared<Sequential>();
    classifier->add(std::make_shared<Dropout>(0.2));
    classifier->add(std::make_shared<Linear>(1280, o.num_classes));
    auto m = std::make_shared<Sequential>();
    m->add(features, "features");
    m->add(std::make_shared<AdaptiveAvgPool2d>(1, 1), "avgpool");
    m->add(std::make_shared<Flatten>(), "flatten");
    m->add(classifier, "classifier");
    m->add(std::make_shared<ToF32>(), "to_f32");
    return m;
}

ModulePtr build_mobilenetv2_cifar(const ModelOptions& o) {
    const int64_t stride = o.input_h >= 64 ? 2 : 1;
    check_input("mobilenetv2-cifar", o.input_h, o.input_w, o.in_channels, 8 * stride);
    const bool affine = *o.affine_bn;
    auto layers = std::make_shared<Sequential>();
    int64_t in = 32;
    for (size_t s = 0; s < 7; ++s) {
        const StageSpec& st = kStages[s];
        const int64_t first_stride = s == 1 ? 1 : st.s;  // kuangliu: stride 1 for CIFAR
        for (int64_t i = 0; i < st.n; ++i) {
            layers->add(std::make_shared<CifarInvertedResidual>(in, st.c, i == 0 ? first_stride : 1,
                                                                st.t, affine));
            in = st.c;
        }
    }
    auto m = std::make_shared<Sequential>();
    m->add(conv(o.in_channels, 32, 3, stride), "conv1");
    m->add(batch_norm2d(32, affine), "bn1");
    m->add(std::make_shared<ReLU>(), "relu1");
    m->add(layers, "layers");
    m->add(conv(in, 1280, 1), "conv2");
    m->add(batch_norm2d(1280, affine), "bn2");
    m->add(std::make_shared<ReLU>(), "relu2");
    m->add(std::make_shared<AdaptiveAvgPool2d>(1, 1), "avgpool");
    m->add(std::make_shared<Flatten>(), "flatten");
    m->add(std::make_shared<Linear>(1280, o.num_classes), "linear");
    m->add(std::make_shared<ToF32>(), "to_f32");
    return m;
}

}  // namespace mdq::models
