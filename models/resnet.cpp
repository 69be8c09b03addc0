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

BasicBlock::BasicBlock(int64_t in, int64_t mid, int64_t out, int64_t stride, bool downsample,
                       bool affine_bn)
    : conv1_(conv(in, mid, 3, stride)),
      bn1_(batch_norm2d(mid, affine_bn)),
      relu_(std::make_shared<ReLU>()),
      conv2_(conv(mid, out, 3)),
      bn2_(batch_norm2d(out, affine_bn)) {
    register_module("conv1", conv1_);
    register_module("bn1", bn1_);
    register_module("relu", relu_);
    register_module("conv2", conv2_);
    register_module("bn2", bn2_);
    MDQ_CHECK(downsample || (stride == 1 && in == out), "BasicBlock: an identity shortcut needs ",
              "stride 1 and as many channels in as out, got stride ", stride, ", ", in, " -> ",
              out);
    if (downsample) {
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

// layer1..layer4 of two BasicBlocks each, global average pooling, fc; appended to m, whose
// stem feeds `in` channels. Widths as o.widths narrows them: a stage's residual stream is named
// by the batch norm that opens it (the stem's "bn1" for layer1, the downsample's for the others).
void add_stages_and_head(Sequential& m, const ModelOptions& o, int64_t in, bool affine) {
    const int64_t widths[4] = {64, 128, 256, 512};
    for (int s = 0; s < 4; ++s) {
        const std::string l = "layer" + std::to_string(s + 1);
        const int64_t out = s == 0 ? in : width(o, l + ".0.downsample.1", widths[s]);
        auto stage = std::make_shared<Sequential>();
        for (int b = 0; b < 2; ++b) {
            const std::string blk = l + "." + std::to_string(b);
            const bool first = b == 0 && s > 0;
            stage->add(std::make_shared<BasicBlock>(b == 0 ? in : out,
                                                    width(o, blk + ".bn1", widths[s]), out,
                                                    first ? 2 : 1, first, affine));
        }
        m.add(stage, l);
        in = out;
    }
    m.add(std::make_shared<AdaptiveAvgPool2d>(1, 1), "avgpool");
    m.add(std::make_shared<Flatten>(), "flatten");
    m.add(std::make_shared<Linear>(in, o.num_classes), "fc");
    m.add(std::make_shared<ToF32>(), "to_f32");
}

}  // namespace

ModulePtr build_resnet18_cifar(const ModelOptions& o) {
    const int64_t stride = o.input_h >= 64 ? 2 : 1;
    check_input("resnet18-cifar", o.input_h, o.input_w, o.in_channels, 8 * stride);
    const bool affine = *o.affine_bn;
    auto m = std::make_shared<Sequential>();
    const int64_t stem = width(o, "bn1", 64);
    m->add(conv(o.in_channels, stem, 3, stride), "conv1");
    m->add(batch_norm2d(stem, affine), "bn1");
    m->add(std::make_shared<ReLU>(), "relu");
    add_stages_and_head(*m, o, stem, affine);
    return m;
}

ModulePtr build_resnet18(const ModelOptions& o) {
    check_input("resnet18", o.input_h, o.input_w, o.in_channels, 32);
    const bool affine = *o.affine_bn;
    auto m = std::make_shared<Sequential>();
    const int64_t stem = width(o, "bn1", 64);
    m->add(conv(o.in_channels, stem, 7, 2), "conv1");
    m->add(batch_norm2d(stem, affine), "bn1");
    m->add(std::make_shared<ReLU>(), "relu");
    m->add(std::make_shared<MaxPool2d>(3, 2, 1), "maxpool");
    add_stages_and_head(*m, o, stem, affine);
    return m;
}

}  // namespace mdq::models
