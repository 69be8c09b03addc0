// The parameter arena: parameters become views of one buffer and gradients accumulate in
// place, the bf16 compute copy follows the values, empty models are rejected.
#include "layers/param_arena.h"
#include "tests/layers/module_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using module_test::model;
using testing::throws_with;

TEST(ParamArena, ParametersBecomeViewsAndGradientsAccumulateInPlace) {
    auto m = model();
    ParamArena arena(*m);
    ASSERT_EQ(arena.slots().size(), 6u);
    EXPECT_EQ(arena.slots()[1].offset, 16);  // 3 elements padded to 16
    EXPECT_EQ(arena.size(), 96);
    EXPECT_EQ(arena.num_parameters(), 18);
    for (const auto& s : arena.slots()) {
        EXPECT_EQ(s.param->value.storage(), arena.values().storage());
        EXPECT_EQ(s.param->value.grad().storage(), arena.grads().storage());
    }
    Tensor x = Tensor::from_vector<float>({1, -1, 2}, {3});
    sum((*m)(x)).backward();
    sum((*m)(x)).backward();
    // Layer 2.bias gets dL/db = 1 per call.
    const auto& last = arena.slot("2.bias");
    EXPECT_EQ(arena.grads().slice(0, last.offset, last.offset + 3).to_vector<float>(),
              std::vector<float>(3, 2.0f));
    arena.zero_grad();
    EXPECT_EQ(sum(arena.grads()).item<float>(), 0.0f);
    // Writing the arena changes what forward reads (how the optimizer updates weights).
    arena.values().fill_(0.0);
    EXPECT_EQ((*m)(x).to_vector<float>(), std::vector<float>(3, 0.0f));
}

TEST(ParamArena, ComputeCopyFollowsValues) {
    auto m = model();
    ParamArena arena(*m);
    Tensor c = arena.enable_compute_copy(DType::BF16);
    EXPECT_EQ(c.dtype(), DType::BF16);
    EXPECT_EQ(m->named_parameters()[0].second->compute.to_vector<float>(),
              std::vector<float>(3, 2.0f));
    arena.values().fill_(1.5);
    arena.sync_compute();
    EXPECT_EQ(m->named_parameters()[3].second->compute.to_vector<float>(),
              std::vector<float>(3, 1.5f));
    m->to(Device::cpu());  // not a move: the copy stays the arena's
    arena.values().fill_(0.5);
    arena.sync_compute();
    EXPECT_EQ(m->named_parameters()[3].second->compute.to_vector<float>(),
              std::vector<float>(3, 0.5f));
}

TEST(ParamArena, RejectsEmptyModels) {
    ReLU r;
    EXPECT_TRUE(throws_with([&] { ParamArena a(r); }, {"ParamArena", "no parameters"}));
}

}  // namespace
}  // namespace mdq
