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
    const int64_t c1 = width(o, "bn1", 6), c2w = width(o, "bn2", 16), f1 = width(o, "bn3", 120),
                  f2 = width(o, "bn4", 84);
    const Conv2dOptions c2(c1, c2w, 5);  // unpadded
    const int64_t fh = (o.input_h / 2 - 4) / 2, fw = (o.input_w / 2 - 4) / 2;
    auto m = std::make_shared<Sequential>();
    m->add(conv(o.in_channels, c1, 5, 1, true), "conv1");
    m->add(batch_norm2d(c1, affine), "bn1");
    m->add(std::make_shared<ReLU>(), "relu1");
    m->add(std::make_shared<MaxPool2d>(2), "pool1");
    m->add(std::make_shared<Conv2d>(c2), "conv2");
    m->add(batch_norm2d(c2w, affine), "bn2");
    m->add(std::make_shared<ReLU>(), "relu2");
    m->add(std::make_shared<MaxPool2d>(2), "pool2");
    m->add(std::make_shared<Flatten>(), "flatten");
    m->add(std::make_shared<Linear>(c2w * fh * fw, f1), "fc1");
    m->add(batch_norm1d(f1, affine), "bn3");
    m->add(std::make_shared<ReLU>(), "relu3");
    m->add(std::make_shared<Linear>(f1, f2), "fc2");
    m->add(batch_norm1d(f2, affine), "bn4");
    m->add(std::make_shared<ReLU>(), "relu4");
    m->add(std::make_shared<Linear>(f2, o.num_classes), "fc3");
    m->add(std::make_shared<ToF32>(), "to_f32");
    return m;
}

}  // namespace mdq::models
