#include "layers/sequential.h"

namespace mdq {

Sequential::Sequential(std::initializer_list<ModulePtr> layers) {
    for (const ModulePtr& m : layers)
        add(m);
}

Sequential& Sequential::add(ModulePtr m, const std::string& name) {
    register_module(name.empty() ? std::to_string(layers_.size()) : name, m);
    layers_.push_back(std::move(m));
    return *this;
}

Module& Sequential::operator[](size_t i) const {
    MDQ_CHECK(i < layers_.size(), "Sequential: index ", i, " out of range for ", layers_.size(),
              " layers");
    return *layers_[i];
}

Tensor Sequential::forward(const Tensor& x) {
    Tensor y = x;
    for (const ModulePtr& m : layers_)
        y = (*m)(y);
    return y;
}

}  // namespace mdq
