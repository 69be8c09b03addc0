// small-cnn: a compact CNN for 28x28 grayscale (Fashion-MNIST) whose binary version keeps
// enough width to stay accurate: conv 5x5 (pad 2) 16, pool, conv 5x5 (pad 2) 32, pool,
// fc 128, fc classes, each hidden layer followed by batch norm (non-affine by default) and ReLU,
// pooling 2x2 max. 215,370 parameters and 3.0 M multiply-accumulates per 28x28 image.
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
    auto m = std::make_shared<Sequential>();
    m->add(conv(o.in_channels, 16, 5, 1, true), "conv1");
    m->add(batch_norm2d(16, affine), "bn1");
    m->add(std::make_shared<ReLU>(), "relu1");
    m->add(std::make_shared<MaxPool2d>(2), "pool1");
    m->add(conv(16, 32, 5, 1, true), "conv2");
    m->add(batch_norm2d(32, affine), "bn2");
    m->add(std::make_shared<ReLU>(), "relu2");
    m->add(std::make_shared<MaxPool2d>(2), "pool2");
    m->add(std::make_shared<Flatten>(), "flatten");
    m->add(std::make_shared<Linear>(32 * fh * fw, 128), "fc1");
    m->add(batch_norm1d(128, affine), "bn3");
    m->add(std::make_shared<ReLU>(), "relu3");
    m->add(std::make_shared<Linear>(128, o.num_classes), "fc2");
    m->add(std::make_shared<ToF32>(), "to_f32");
    return m;
}

}  // namespace mdq::models
