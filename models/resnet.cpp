// ResNet-18: the CIFAR variant of docs/METHOD.md section 3 (3x3 stem, no max-pool; stem stride 2
// for 64x64 TinyImageNet) and torchvision's ImageNet resnet18 (7x7 stride-2 stem + 3x3 max-pool).
// Both end in global average pooling and one fc.
#include "models/resnet.h"

#include "layers/activation.h"
#include "layers/linear.h"
#include "layers/pooling.h"
#include "layers/precision.h"
#include "layers/residual.h"
#include "models/blocks.h"
#include "models/builders.h"

namespace mdq::models {

BasicBlock::BasicBlock(int64_t in, int64_t out, int64_t stride, bool affine_bn)
    : conv1_(conv(in, out, 3, stride)),
      bn1_(batch_norm2d(out, affine_bn)),
      relu_(std::make_shared<ReLU>()),
      conv2_(conv(out, out, 3)),
      bn2_(batch_norm2d(out, affine_bn)) {
    register_module("conv1", conv1_);
    register_module("bn1", bn1_);
    register_module("relu", relu_);
    register_module("conv2", conv2_);
    register_module("bn2", bn2_);
    if (stride != 1 || in != out) {
        auto d = std::make_shared<Sequential>();
        d->add(conv(in, out, 1, stride));
        d->add(batch_norm2d(out, affine_bn));
        downsample_ = d;
        register_module("downsample", downsample_);
    }
}

Tensor BasicBlock::forward(const Tensor& x) {
    Tensor y = (*bn2_)((*conv2_)((*relu_)((*bn1_)((*conv1_)(x)))));
    return (*relu_)(residual_add(y, downsample_ ? (*downsample_)(x) : x));
}

namespace {

// layer1..layer4 of two BasicBlocks each, global average pooling, fc; appended to m.
void add_stages_and_head(Sequential& m, int64_t num_classes, bool affine) {
    int64_t in = 64;
    const int64_t widths[4] = {64, 128, 256, 512};
    for (int s = 0; s < 4; ++s) {
        auto stage = std::make_shared<Sequential>();
        stage->add(std::make_shared<BasicBlock>(in, widths[s], s == 0 ? 1 : 2, affine));
        stage->add(std::make_shared<BasicBlock>(widths[s], widths[s], 1, affine));
        m.add(stage, "layer" + std::to_string(s + 1));
        in = widths[s];
    }
    m.add(std::make_shared<AdaptiveAvgPool2d>(1, 1), "avgpool");
    m.add(std::make_shared<Flatten>(), "flatten");
    m.add(std::make_shared<Linear>(512, num_classes), "fc");
    m.add(std::make_shared<ToF32>(), "to_f32");
}

}  // namespace

ModulePtr build_resnet18_cifar(const ModelOptions& o) {
    const int64_t stride = o.input_h >= 64 ? 2 : 1;
    check_input("resnet18-cifar", o.input_h, o.input_w, o.in_channels, 8 * stride);
    const bool affine = *o.affine_bn;
    auto m = std::make_shared<Sequential>();
    m->add(conv(o.in_channels, 64, 3, stride), "conv1");
    m->add(batch_norm2d(64, affine), "bn1");
    m->add(std::make_shared<ReLU>(), "relu");
    add_stages_and_head(*m, o.num_classes, affine);
    return m;
}

ModulePtr build_resnet18(const ModelOptions& o) {
    check_input("resnet18", o.input_h, o.input_w, o.in_channels, 32);
    const bool affine = *o.affine_bn;
    auto m = std::make_shared<Sequential>();
    m->add(conv(o.in_channels, 64, 7, 2), "conv1");
    m->add(batch_norm2d(64, affine), "bn1");
    m->add(std::make_shared<ReLU>(), "relu");
    m->add(std::make_shared<MaxPool2d>(3, 2, 1), "maxpool");
    add_stages_and_head(*m, o.num_classes, affine);
    return m;
}

}  // namespace mdq::models
