// Every model of the zoo run forward and backward on a device, shared by registry_test.cpp and
// registry_cuda_test.cpp.
#pragma once

#include <string>
#include <vector>

#include "models/registry.h"
#include "tests/testing/test_util.h"

namespace mdq::registry_test {

struct ModelRun {
    std::string name;
    int64_t size;
};

// Forward in train mode, backward of a scalar, on `device` with compute dtype `dt`; checks
// shapes, dtypes and that every parameter got a finite f32 gradient. Returns the logits.
inline Tensor forward_backward(const std::string& name, int64_t size, Device device,
                               DType dt = DType::F32) {
    ModelOptions o;
    o.input_h = o.input_w = size;
    o.seed = 7;
    ModulePtr m = build_model(name, o);
    m->to(device);
    m->set_compute_dtype(dt);
    const ModelOptions r = resolve_options(name, o);
    Tensor x = testing::random_tensor({2, size, size, r.in_channels}, 3).to(device);
    Tensor y = (*m)(x);
    EXPECT_EQ(y.shape(), (Shape{2, r.num_classes})) << name;
    EXPECT_EQ(y.dtype(), DType::F32) << name;
    sum(y * testing::random_tensor(y.shape(), 4).to(device)).backward();
    for (auto& [pname, p] : m->named_parameters()) {
        const Tensor g = p->value.grad();
        EXPECT_TRUE(g.defined()) << name << " " << pname << " got no gradient";
        if (!g.defined()) continue;
        EXPECT_EQ(g.dtype(), DType::F32) << name << " " << pname;
        EXPECT_EQ(sum(ne(g, g)).item<int64_t>(), 0) << name << " " << pname << " has NaN";
    }
    return y;
}

inline std::vector<ModelRun> runs() {
    return {{"lenet5", 28},         {"small-cnn", 28},         {"vgg16-cifar", 32},
            {"resnet18-cifar", 32}, {"mobilenetv2-cifar", 32}, {"resnet18", 64},
            {"mobilenetv2", 64}};
}

}  // namespace mdq::registry_test
