// trace_layers: leaf calls in order with output shapes, parameters (listed once) and MACs.
#include "layers/summary.h"
#include "models/registry.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

TEST(Summary, LeNet5LayersAndMacs) {
    ModulePtr m = build_model("lenet5");
    m->eval();
    const auto rows = trace_layers(*m, Tensor::zeros({1, 28, 28, 1}));
    ASSERT_EQ(rows.size(), 17u);
    EXPECT_EQ(rows[0].name, "conv1");
    EXPECT_EQ(rows[0].output, (Shape{1, 28, 28, 6}));
    EXPECT_EQ(rows[0].params, 156);
    EXPECT_EQ(rows[0].macs, 28 * 28 * 6 * 25);
    EXPECT_EQ(rows[4].macs, 10 * 10 * 16 * 150);  // conv2
    int64_t macs = 0, params = 0;
    for (const LayerRecord& r : rows) {
        macs += r.macs;
        params += r.params;
    }
    EXPECT_EQ(macs, 117600 + 240000 + 48000 + 10080 + 840);
    EXPECT_EQ(params, 61706);
}

TEST(Summary, ReusedLayersCountTheirParametersOnce) {
    ModulePtr m = build_model("resnet18-cifar");
    m->eval();
    const auto rows = trace_layers(*m, Tensor::zeros({1, 32, 32, 3}));
    int64_t params = 0, relus = 0, macs = 0;
    for (const LayerRecord& r : rows) {
        params += r.params;
        macs += r.macs;
        relus += r.type == "ReLU";
    }
    EXPECT_EQ(params, 11164362);
    EXPECT_EQ(relus, 1 + 8 * 2);  // the stem's, and each block's ReLU runs twice
    EXPECT_EQ(macs, 555422720);   // the usual 0.56 GMACs of CIFAR ResNet-18
}

}  // namespace
}  // namespace mdq
