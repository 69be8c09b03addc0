// Experiment: the configuration it records is the model it builds.
#include "optim/train/experiment.h"

#include <gtest/gtest.h>

#include "optim/train/train_config.h"

namespace mdq {
namespace {

Config config_for(const std::string& model, const std::string& affine = "") {
    Config c = make_train_config();
    c.set("model=" + model);
    c.set("device=cpu");
    if (!affine.empty()) c.set("affine_bn=" + affine);
    return c;
}

bool has_bn_weight(Experiment& ex) {
    return ex.model->state_dict().count("bn1.weight") > 0;
}

TEST(Experiment, RecordsTheBatchNormItBuilds) {
    ModelOptions small;
    small.num_classes = 10;
    small.input_h = small.input_w = 32;
    small.in_channels = 3;
    // resnet18 (ImageNet) is affine by default, resnet18-cifar not; an explicit value wins.
    for (const auto& [model, affine, expect] :
         {std::tuple<std::string, std::string, bool>{"resnet18", "", true},
          {"resnet18-cifar", "", false},
          {"resnet18", "false", false},
          {"resnet18-cifar", "true", true}}) {
        Experiment ex(config_for(model, affine), small);
        EXPECT_EQ(has_bn_weight(ex), expect) << model << " affine_bn=" << affine;
        EXPECT_TRUE(ex.cfg.has("affine_bn")) << model;
        EXPECT_EQ(ex.cfg.effective().at("affine_bn").get<bool>(), expect) << model;
        // A checkpoint's configuration builds the same model again.
        Config again = make_train_config();
        again.merge(ex.cfg.effective(), "the recorded configuration");
        Experiment ex2(again, small);
        EXPECT_EQ(has_bn_weight(ex2), expect) << model << " rebuilt";
    }
}

}  // namespace
}  // namespace mdq
