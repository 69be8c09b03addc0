// Sequential: runs its children in order.
#pragma once

#include <initializer_list>

#include "layers/module.h"

namespace mdq {

class Sequential : public Module {
  public:
    Sequential() = default;
    Sequential(std::initializer_list<ModulePtr> layers);
    // Appends a child named by its index ("0", "1", ...) unless a name is given.
    Sequential& add(ModulePtr m, const std::string& name = "");
    size_t size() const { return layers_.size(); }
    Module& operator[](size_t i) const;

    Tensor forward(const Tensor& x) override;
    std::string type_name() const override { return "Sequential"; }

  private:
    std::vector<ModulePtr> layers_;
};

}  // namespace mdq
