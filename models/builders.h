// The builders behind the registry (internal to models/). Each takes fully resolved options
// (resolve_options) and returns the model before initialisation.
#pragma once

#include "models/registry.h"

namespace mdq::models {

ModulePtr build_lenet5(const ModelOptions& o);
ModulePtr build_small_cnn(const ModelOptions& o);
ModulePtr build_vgg16_cifar(const ModelOptions& o);
ModulePtr build_resnet18_cifar(const ModelOptions& o);
ModulePtr build_resnet18(const ModelOptions& o);
ModulePtr build_mobilenetv2_cifar(const ModelOptions& o);
ModulePtr build_mobilenetv2(const ModelOptions& o);

}  // namespace mdq::models
