// The model zoo: reference parameter counts, forward and backward of every model on the CPU
// with batch 2 (the ImageNet models at 64x64, which their architectures allow, to keep the
// suite fast), registry errors, seeds. On a GPU: registry_cuda_test.cpp.
#include "models/registry.h"
#include "tests/models/registry_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using namespace registry_test;
using testing::throws_with;

int64_t count(const std::string& name, int64_t classes = 0, std::optional<bool> affine = {}) {
    ModelOptions o;
    o.num_classes = classes;
    o.affine_bn = affine;
    return build_model(name, o)->num_parameters();
}

TEST(ModelZoo, ReferenceParameterCounts) {
    // docs/METHOD.md section 3 (non-affine batch norm).
    EXPECT_EQ(count("resnet18-cifar"), 11164362);
    EXPECT_EQ(count("resnet18-cifar", 100), 11210532);
    EXPECT_EQ(count("resnet18-cifar", 200), 11261832);
    EXPECT_EQ(count("vgg16-cifar"), 15245130);
    EXPECT_EQ(count("vgg16-cifar", 100), 15291300);
    EXPECT_EQ(count("vgg16-cifar", 200), 15342600);
    // torchvision resnet18 and mobilenet_v2 (affine batch norm, 1000 classes).
    EXPECT_EQ(count("resnet18"), 11689512);
    EXPECT_EQ(count("mobilenetv2"), 3504872);
    // kuangliu/pytorch-cifar MobileNetV2: 2,296,922 with its affine batch norm.
    EXPECT_EQ(count("mobilenetv2-cifar", 0, true), 2296922);
    EXPECT_EQ(count("mobilenetv2-cifar"), 2261834);
    // Classic LeNet-5 (padded 28x28 layout): 61,706; affine BN adds 2 x (6 + 16 + 120 + 84).
    EXPECT_EQ(count("lenet5"), 61706);
    EXPECT_EQ(count("lenet5", 0, true), 61706 + 452);
    // small-cnn: 5x5 convs 1->16, 16->32 (with bias), fc 1568->128, 128->10.
    EXPECT_EQ(count("small-cnn"), (25 + 1) * 16 + (25 * 16 + 1) * 32 + 1569 * 128 + 129 * 10);
}

TEST(ModelZoo, TinyImageNetStemsKeepTheCounts) {
    ModelOptions o;
    o.input_h = o.input_w = 64;
    o.num_classes = 200;
    auto r = build_model("resnet18-cifar", o);
    EXPECT_EQ(r->num_parameters(), 11261832);
    EXPECT_EQ(build_model("vgg16-cifar", o)->num_parameters(), 15342600);
    NoGradGuard g;
    r->eval();
    EXPECT_EQ((*r)(Tensor::zeros({1, 64, 64, 3})).shape(), (Shape{1, 200}));
}

TEST(ModelZoo, EveryModelRunsForwardAndBackwardOnTheCpu) {
    for (const ModelRun& r : runs())
        forward_backward(r.name, r.size, Device::cpu());
}

TEST(ModelZoo, RegistryErrorsNameTheModels) {
    EXPECT_TRUE(throws_with([] { build_model("resnet50"); },
                            {"unknown model 'resnet50'", "resnet18-cifar", "mobilenetv2"}));
    ModelOptions o;
    o.input_h = o.input_w = 16;
    EXPECT_TRUE(throws_with([&] { build_model("vgg16-cifar", o); }, {"vgg16-cifar", "16x16"}));
    EXPECT_EQ(model_names().size(), runs().size());
}

TEST(ModelZoo, SeedsMakeModelsReproducible) {
    ModelOptions o;
    o.seed = 3;
    auto a = build_model("lenet5", o), b = build_model("lenet5", o);
    o.seed = 4;
    auto c = build_model("lenet5", o);
    EXPECT_TRUE(testing::all_equal(a->named_parameters()[0].second->value,
                                   b->named_parameters()[0].second->value));
    EXPECT_FALSE(testing::all_equal(a->named_parameters()[0].second->value,
                                    c->named_parameters()[0].second->value));
}

}  // namespace
}  // namespace mdq
