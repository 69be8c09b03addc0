// Pruned channels stay zero (optim/train/channel_mask.h): after many Adam steps with the mask
// enforced, the pruned rows and columns and their moments are exactly zero while live ones train.
#include "optim/train/channel_mask.h"

#include "kernels/elementwise/binary.h"
#include "kernels/reduce/reduce.h"
#include "layers/linear.h"
#include "layers/sequential.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

TEST(ChannelMask, PrunedChannelsStayZeroThroughSteps) {
    auto model = std::make_shared<Sequential>(std::initializer_list<ModulePtr>{
        std::make_shared<Linear>(4, 3), std::make_shared<Linear>(3, 2)});
    ParamArena arena(*model);
    OptimConfig oc;
    oc.lr = LrSchedule::constant(0.05);
    QuantOptimizer opt(arena, QuantConfig{}, oc);
    const std::vector<uint8_t> mask{1, 0, 1};  // hidden unit 1 pruned
    const std::string w1 = arena.slots()[0].name, b1 = arena.slots()[1].name,
                      w2 = arena.slots()[2].name;
    const Tensor start = arena.values().clone();
    for (uint64_t i = 0; i < 30; ++i) {
        arena.zero_grad();
        const Tensor x = testing::random_tensor({5, 4}, i),
                     t = testing::random_tensor({5, 2}, i + 50);
        sum(mul(model->forward(x), t)).backward();
        opt.step();
        enforce_channel_mask(opt, w1, 0, mask);
        enforce_channel_mask(opt, b1, 0, mask);
        enforce_channel_mask(opt, w2, 1, mask);
    }
    auto value = [&](const std::string& n) {
        const ParamArena::Slot& s = arena.slot(n);
        return arena.values().slice(0, s.offset, s.offset + s.numel).view(s.shape);
    };
    EXPECT_TRUE(testing::all_equal(value(w1).slice(0, 1, 2), Tensor::zeros({1, 4})));
    EXPECT_TRUE(testing::all_equal(value(b1).slice(0, 1, 2), Tensor::zeros({1})));
    EXPECT_TRUE(testing::all_equal(value(w2).slice(1, 1, 2), Tensor::zeros({2, 1})));
    EXPECT_TRUE(testing::all_equal(opt.first_moment(w1).view({3, 4}).slice(0, 1, 2),
                                   Tensor::zeros({1, 4})));
    EXPECT_TRUE(testing::all_equal(opt.second_moment(w2).view({2, 3}).slice(1, 1, 2),
                                   Tensor::zeros({2, 1})));
    // Live channels trained.
    EXPECT_FALSE(testing::all_equal(arena.values(), start));
    EXPECT_TRUE(testing::throws_with([&] { zero_channels(value(w1), 0, {1, 0}); }, {"mask of 2"}));
}

}  // namespace
}  // namespace mdq
