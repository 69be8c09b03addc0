// LeNet-5 for 28x28 grayscale (Fashion-MNIST) in the common padded layout: conv 5x5 (pad 2) 6,
// pool, conv 5x5 16, pool, fc 120, fc 84, fc classes; 61,706 parameters for 10 classes. As in
// the mirror-descent models, each conv and hidden fc is followed by batch norm (non-affine by
// default, so the count is unchanged; +-1 weights need it for scale) and ReLU, and pooling is
// 2x2 max pooling.
#include "layers/activation.h"
#include "layers/conv2d.h"
#include "layers/linear.h"
#include "layers/pooling.h"
#include "layers/precision.h"
#include "models/blocks.h"
#include "models/builders.h"

namespace mdq::models {

ModulePtr build_lenet5(const ModelOptions& o) {
    check_input("lenet5", o.input_h, o.input_w, o.in_channels, 12);
    const bool affine = *o.affine_bn;
    const Conv2dOptions c2(6, 16, 5);  // unpadded
    const int64_t fh = (o.input_h / 2 - 4) / 2, fw = (o.input_w / 2 - 4) / 2;
    auto m = std::make_shared<Sequential>();
    m->add(conv(o.in_channels, 6, 5, 1, true), "conv1");
    m->add(batch_norm2d(6, affine), "bn1");
    m->add(std::make_shared<ReLU>(), "relu1");
    m->add(std::make_shared<MaxPool2d>(2), "pool1");
    m->add(std::make_shared<Conv2d>(c2), "conv2");
    m->add(batch_norm2d(16, affine), "bn2");
    m->add(std::make_shared<ReLU>(), "relu2");
    m->add(std::make_shared<MaxPool2d>(2), "pool2");
    m->add(std::make_shared<Flatten>(), "flatten");
    m->add(std::make_shared<Linear>(16 * fh * fw, 120), "fc1");
    m->add(batch_norm1d(120, affine), "bn3");
    m->add(std::make_shared<ReLU>(), "relu3");
    m->add(std::make_shared<Linear>(120, 84), "fc2");
    m->add(batch_norm1d(84, affine), "bn4");
    m->add(std::make_shared<ReLU>(), "relu4");
    m->add(std::make_shared<Linear>(84, o.num_classes), "fc3");
    m->add(std::make_shared<ToF32>(), "to_f32");
    return m;
}

}  // namespace mdq::models
