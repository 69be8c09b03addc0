#include "models/registry.h"

#include "layers/batch_norm.h"
#include "layers/init.h"
#include "models/builders.h"

namespace mdq {

namespace {

using Builder = ModulePtr (*)(const ModelOptions&);

struct Entry {
    ModelInfo info;
    Builder build;
};

const std::vector<Entry>& entries() {
    static const std::vector<Entry> e = {
        {{"lenet5", "LeNet-5 (+ BN) for 28x28 grayscale, Fashion-MNIST", 28, 28, 1, 10, false},
         models::build_lenet5},
        {{"small-cnn", "Two 5x5 conv blocks (16, 32) and a 128-unit layer, 28x28 grayscale", 28, 28,
          1, 10, false},
         models::build_small_cnn},
        {{"vgg16-cifar", "MD paper's VGG-16 (13 conv with bias + BN, 3 fc with BN1d)", 32, 32, 3,
          10, false},
         models::build_vgg16_cifar},
        {{"resnet18-cifar", "ResNet-18, 3x3 stem, no max-pool (MD paper)", 32, 32, 3, 10, false},
         models::build_resnet18_cifar},
        {{"mobilenetv2-cifar", "MobileNetV2 of kuangliu/pytorch-cifar", 32, 32, 3, 10, false,
          false},
         models::build_mobilenetv2_cifar},
        {{"resnet18", "torchvision resnet18 (ImageNet)", 224, 224, 3, 1000, true},
         models::build_resnet18},
        {{"mobilenetv2", "torchvision mobilenet_v2, width 1.0 (ImageNet)", 224, 224, 3, 1000, true,
          false},
         models::build_mobilenetv2},
    };
    return e;
}

const Entry& entry(const std::string& name) {
    for (const Entry& e : entries())
        if (e.info.name == name) return e;
    std::string known;
    for (const Entry& e : entries())
        known += (known.empty() ? "" : ", ") + e.info.name;
    MDQ_THROW(ValueError, "unknown model '", name, "'; known models: ", known);
}

// Every requested width must have been built: a builder that ignores widths, or a name that is
// no batch norm of the model, is an error rather than a silently full-width model.
void check_widths(const std::string& model, Module& m,
                  const std::map<std::string, int64_t>& widths) {
    std::map<std::string, int64_t> built;
    for (auto& [bn_name, mod] : m.named_modules())
        if (auto* bn = dynamic_cast<BatchNorm*>(mod)) built[bn_name] = bn->options().num_features;
    for (const auto& [bn_name, w] : widths) {
        const auto it = built.find(bn_name);
        MDQ_CHECK(it != built.end(), model, ": widths name '", bn_name,
                  "', which is not a batch norm of the model");
        MDQ_CHECK(it->second == w, model, ": the batch norm '", bn_name, "' was asked for ", w,
                  " channels but built with ", it->second,
                  " (this model cannot be thinned there, or the widths tied by a residual add "
                  "differ)");
    }
}

}  // namespace

const std::vector<ModelInfo>& model_infos() {
    static const std::vector<ModelInfo> infos = [] {
        std::vector<ModelInfo> v;
        for (const Entry& e : entries())
            v.push_back(e.info);
        return v;
    }();
    return infos;
}

std::vector<std::string> model_names() {
    std::vector<std::string> names;
    for (const Entry& e : entries())
        names.push_back(e.info.name);
    return names;
}

const ModelInfo& model_info(const std::string& name) {
    return entry(name).info;
}

ModelOptions resolve_options(const std::string& name, const ModelOptions& o) {
    const ModelInfo& info = model_info(name);
    ModelOptions r = o;
    if (r.num_classes == 0) r.num_classes = info.num_classes;
    if (r.input_h == 0) r.input_h = info.input_h;
    if (r.input_w == 0) r.input_w = info.input_w;
    if (r.in_channels == 0) r.in_channels = info.in_channels;
    if (!r.affine_bn) r.affine_bn = info.affine_bn;
    MDQ_CHECK(r.num_classes > 0 && r.input_h > 0 && r.input_w > 0 && r.in_channels > 0, name,
              ": classes, input size and channels must be positive, got ", r.num_classes,
              " classes, input ", r.input_h, "x", r.input_w, "x", r.in_channels);
    return r;
}

ModulePtr build_model(const std::string& name, const ModelOptions& o) {
    const Entry& e = entry(name);
    ModulePtr m = e.build(resolve_options(name, o));
    check_widths(name, *m, o.widths);
    init_parameters(*m, o.seed);
    return m;
}

}  // namespace mdq
