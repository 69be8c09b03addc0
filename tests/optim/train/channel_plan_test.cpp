// The channel plan (optim/train/channel_plan.h): one group per batch norm in a plain CNN, with
// its producer, batch norm and consumer (a linear after a flatten reads each channel at every
// position); in ResNet-18 the batch norms a residual add sums are one group with every conv
// reading the stream; unknown layers are refused.
#include "optim/train/channel_plan.h"

#include <algorithm>

#include "models/registry.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

const ChannelSlice* find(const ChannelGroup& g, const std::string& tensor) {
    for (const ChannelSlice& s : g.slices)
        if (s.tensor == tensor) return &s;
    return nullptr;
}

TEST(ChannelPlan, SmallCnnHasAGroupPerBatchNorm) {
    ModelOptions o;
    o.affine_bn = true;
    ModulePtr m = build_model("small-cnn", o);
    const std::vector<ChannelGroup> plan = channel_plan(*m);
    ASSERT_EQ(plan.size(), 3u);
    EXPECT_EQ(plan[0].name, "bn1");
    EXPECT_EQ(plan[0].channels, 16);
    EXPECT_EQ(plan[0].batch_norms, std::vector<std::string>{"bn1"});
    for (const char* t : {"conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias"}) {
        const ChannelSlice* s = find(plan[0], t);
        ASSERT_NE(s, nullptr) << t;
        EXPECT_TRUE(s->output && !s->buffer && s->dim == 0) << t;
    }
    ASSERT_NE(find(plan[0], "bn1.running_mean"), nullptr);
    EXPECT_TRUE(find(plan[0], "bn1.running_mean")->buffer);
    const ChannelSlice* in = find(plan[0], "conv2.weight");  // OHWI: input channels last
    ASSERT_NE(in, nullptr);
    EXPECT_FALSE(in->output);
    EXPECT_EQ(in->dim, 3);
    const ChannelSlice* fc = find(plan[1], "fc1.weight");  // after the flatten: 7 * 7 * 32 inputs
    ASSERT_NE(fc, nullptr);
    EXPECT_EQ(fc->dim, 1);
    EXPECT_EQ(fc->period, 32);
    EXPECT_NE(find(plan[2], "fc2.weight"), nullptr);
    EXPECT_EQ(find(plan[2], "fc1.weight")->dim, 0);
}

TEST(ChannelPlan, ResnetTiesTheBatchNormsOfAResidualStream) {
    ModulePtr m = build_model("resnet18-cifar");
    const std::vector<ChannelGroup> plan = channel_plan(*m);
    ASSERT_EQ(plan.size(), 12u);  // 4 residual streams + the inside of 8 blocks
    const auto group = [&](const std::string& name) {
        const auto it = std::find_if(plan.begin(), plan.end(),
                                     [&](const ChannelGroup& g) { return g.name == name; });
        EXPECT_NE(it, plan.end()) << name;
        return *it;
    };
    const ChannelGroup stem = group("bn1");
    EXPECT_EQ(stem.batch_norms, (std::vector<std::string>{"bn1", "layer1.0.bn2", "layer1.1.bn2"}));
    for (const char* reader : {"layer1.0.conv1.weight", "layer1.1.conv1.weight",
                               "layer2.0.conv1.weight", "layer2.0.downsample.0.weight"}) {
        ASSERT_NE(find(stem, reader), nullptr) << reader;
        EXPECT_FALSE(find(stem, reader)->output) << reader;
    }
    const ChannelGroup s2 = group("layer2.0.bn2");
    EXPECT_EQ(s2.channels, 128);
    EXPECT_EQ(s2.batch_norms,
              (std::vector<std::string>{"layer2.0.bn2", "layer2.0.downsample.1", "layer2.1.bn2"}));
    EXPECT_TRUE(find(s2, "layer2.0.downsample.0.weight")->output);
    EXPECT_TRUE(find(s2, "layer2.1.conv2.weight")->output);
    const ChannelGroup last = group("layer4.0.bn2");
    EXPECT_NE(find(last, "fc.weight"), nullptr);
    const ChannelGroup inner = group("layer3.1.bn1");
    EXPECT_EQ(inner.batch_norms, std::vector<std::string>{"layer3.1.bn1"});
    EXPECT_EQ(find(inner, "layer3.1.conv2.weight")->dim, 3);
}

TEST(ChannelPlan, RefusesLayersItDoesNotKnow) {
    ModulePtr m = build_model("mobilenetv2-cifar");
    EXPECT_TRUE(throws_with([&] { channel_plan(*m); }, {"channel pruning", "InvertedResidual",
                                                        "not one the channel plan knows"}));
}

}  // namespace
}  // namespace mdq
