// small-cnn: a compact CNN for 28x28 grayscale (Fashion-MNIST) whose binary version keeps
// enough width to stay accurate: conv 5x5 (pad 2) 16, pool, conv 5x5 (pad 2) 32, pool,
// fc 128, fc classes, each hidden layer followed by batch norm (non-affine by default) and ReLU,
// pooling 2x2 max; o.widths narrows it (a thinned model). 215,370 parameters and 3.0 M
// multiply-accumulates per 28x28 image.
#include "layers/activation.h"
#include "layers/linear.h"
#include "layers/pooling.h"
#include "layers/precision.h"
#include "models/blocks.h"
#include "models/builders.h"

namespace mdq::models {

ModulePtr build_small_cnn(const ModelOptions& o) {
    check_input("small-cnn", o.input_h, o.input_w, o.in_channels, 4);
    const bool affine = *o.affine_bn;
    const int64_t fh = o.input_h / 2 / 2, fw = o.input_w / 2 / 2;
    const int64_t c1 = width(o, "bn1", 16), c2 = width(o, "bn2", 32), f1 = width(o, "bn3", 128);
    auto m = std::make_shared<Sequential>();
    m->add(conv(o.in_channels, c1, 5, 1, true), "conv1");
    m->add(batch_norm2d(c1, affine), "bn1");
    m->add(std::make_shared<ReLU>(), "relu1");
    m->add(std::make_shared<MaxPool2d>(2), "pool1");
    m->add(conv(c1, c2, 5, 1, true), "conv2");
    m->add(batch_norm2d(c2, affine), "bn2");
    m->add(std::make_shared<ReLU>(), "relu2");
    m->add(std::make_shared<MaxPool2d>(2), "pool2");
    m->add(std::make_shared<Flatten>(), "flatten");
    m->add(std::make_shared<Linear>(c2 * fh * fw, f1), "fc1");
    m->add(batch_norm1d(f1, affine), "bn3");
    m->add(std::make_shared<ReLU>(), "relu3");
    m->add(std::make_shared<Linear>(f1, o.num_classes), "fc2");
    m->add(std::make_shared<ToF32>(), "to_f32");
    return m;
}

}  // namespace mdq::models
