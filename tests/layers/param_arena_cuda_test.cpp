// The parameter arena on a GPU: moving the model drops its compute copy. Skipped without a GPU.
#include "layers/param_arena.h"
#include "tests/layers/module_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using module_test::model;

TEST(ParamArenaCuda, MovingTheModelDropsItsComputeCopy) {
    MDQ_SKIP_IF_NO_CUDA();
    auto m = model();
    ParamArena arena(*m);
    arena.enable_compute_copy(DType::BF16);
    m->to(Device::cuda());
    for (const auto& [name, p] : m->named_parameters())
        EXPECT_FALSE(p->compute.defined()) << name;
    ParamArena moved(*m);
    moved.enable_compute_copy(DType::BF16);
    moved.values().fill_(0.25);
    moved.sync_compute();
    EXPECT_EQ(m->named_parameters()[0].second->compute.to_vector<float>(),
              std::vector<float>(3, 0.25f));
}

}  // namespace
}  // namespace mdq
