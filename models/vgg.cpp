// VGG-16 for CIFAR / TinyImageNet as in docs/METHOD.md section 3 (the PMF / kuangliu lineage): 13
// conv 3x3 (with bias) + batch norm + ReLU with 2x2 max pooling after each of the five stages,
// then fc 512 + BN1d + ReLU, fc 512 + BN1d + ReLU, fc classes. The first conv has stride 2 for
// inputs of 64 and more (TinyImageNet), so the features end at 1x1x512 for 32 and 64. The
// reference's trailing AvgPool(kernel 1, stride 1) is the identity and is left out.
#include "layers/activation.h"
#include "layers/linear.h"
#include "layers/pooling.h"
#include "layers/precision.h"
#include "models/blocks.h"
#include "models/builders.h"

namespace mdq::models {

ModulePtr build_vgg16_cifar(const ModelOptions& o) {
    const int64_t stem_stride = o.input_h >= 64 ? 2 : 1;
    check_input("vgg16-cifar", o.input_h, o.input_w, o.in_channels, 32 * stem_stride);
    const bool affine = *o.affine_bn;
    const int64_t stages[5][4] = {{64, 64, 0, 0},
                                  {128, 128, 0, 0},
                                  {256, 256, 256, 0},
                                  {512, 512, 512, 0},
                                  {512, 512, 512, 0}};
    auto features = std::make_shared<Sequential>();
    int64_t in = o.in_channels, h = o.input_h, w = o.input_w;
    for (const auto& stage : stages) {
        for (int64_t out : stage) {
            if (out == 0) continue;
            const int64_t stride = features->size() == 0 ? stem_stride : 1;
            features->add(conv(in, out, 3, stride, true));
            features->add(batch_norm2d(out, affine));
            features->add(std::make_shared<ReLU>());
            h = out_size(h, 3, stride, 1);
            w = out_size(w, 3, stride, 1);
            in = out;
        }
        features->add(std::make_shared<MaxPool2d>(2));
        h /= 2;
        w /= 2;
    }
    auto classifier = std::make_shared<Sequential>();
    classifier->add(std::make_shared<Linear>(512 * h * w, 512));
    classifier->add(batch_norm1d(512, affine));
    classifier->add(std::make_shared<ReLU>());
    classifier->add(std::make_shared<Linear>(512, 512));
    classifier->add(batch_norm1d(512, affine));
    classifier->add(std::make_shared<ReLU>());
    classifier->add(std::make_shared<Linear>(512, o.num_classes));
    auto m = std::make_shared<Sequential>();
    m->add(features, "features");
    m->add(std::make_shared<Flatten>(), "flatten");
    m->add(classifier, "classifier");
    m->add(std::make_shared<ToF32>(), "to_f32");
    return m;
}

}  // namespace mdq::models
