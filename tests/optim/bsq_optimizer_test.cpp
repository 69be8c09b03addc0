// BSQ training (optim/bsq_optimizer.h): steps keep the planes in [0, 2] and the arena holds the
// recomposed weights, precision adjustment keeps every weight, and a resume across a precision
// change continues bit for bit.
#include "optim/bsq_optimizer.h"

#include <cstring>

#include "kernels/elementwise/binary.h"
#include "kernels/reduce/reduce.h"
#include "layers/linear.h"
#include "layers/sequential.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

struct Tiny {
    std::shared_ptr<Sequential> model;
    ParamArena arena;
    Tiny() {
        model = std::make_shared<Sequential>(std::initializer_list<ModulePtr>{
            std::make_shared<Linear>(4, 3), std::make_shared<Linear>(3, 2)});
        arena = ParamArena(*model);
        // The second weight starts at zero: its 8 planes are all zero, so the first adjustment
        // drops it to one plane while the first layer keeps 8.
        const ParamArena::Slot& s = arena.slot(arena.slots()[2].name);
        arena.values().slice(0, s.offset, s.offset + s.numel).zero_();
    }
    void backward(uint64_t seed) {
        arena.zero_grad();
        const Tensor x = testing::random_tensor({5, 4}, seed),
                     t = testing::random_tensor({5, 2}, seed + 100);
        sum(mul(model->forward(x), t)).backward();
    }
};

std::vector<float> values(const ParamArena& a) {
    return a.values().to_vector<float>();
}

BsqOptions options() {
    BsqOptions o;
    o.bits = 8;
    o.alpha = 0.5;
    o.lr = 0.05;
    return o;
}

TEST(BsqOptimizer, StepsKeepPlanesInRangeAndWriteTheWeights) {
    Tiny t;
    BsqOptimizer opt(t.arena, options());
    for (uint64_t i = 0; i < 5; ++i) {
        t.backward(i);
        opt.step();
    }
    EXPECT_GT(opt.regularizer(), 0);
    for (const auto& l : opt.layers()) {
        for (const Tensor* p : {&l.planes.pos, &l.planes.neg})
            for (float b : p->to_vector<float>())
                EXPECT_TRUE(b >= 0.f && b <= 2.f);
        const ParamArena::Slot& s = t.arena.slot(l.name);
        EXPECT_TRUE(testing::all_equal(
            t.arena.values().slice(0, s.offset, s.offset + s.numel).view(s.shape),
            bitplane_recompose(l.planes)));
    }
}

TEST(BsqOptimizer, ResumeAcrossAPrecisionChangeIsExact) {
    Tiny a;
    BsqOptimizer oa(a.arena, options());
    const std::vector<float> before = values(a.arena);
    ASSERT_TRUE(oa.adjust_precision());
    EXPECT_EQ(oa.layers()[0].planes.bits, 8);
    EXPECT_LT(oa.layers()[1].planes.bits, 8);
    EXPECT_LT(oa.average_bits(), 8.0);
    EXPECT_DOUBLE_EQ(oa.compression(), 32.0 / oa.average_bits());
    const std::vector<float> after = values(a.arena);
    EXPECT_EQ(std::memcmp(before.data(), after.data(), before.size() * sizeof(float)), 0);
    a.backward(1);
    oa.step();
    const OptimizerState saved = oa.state();

    Tiny b;
    BsqOptimizer ob(b.arena, options());
    ob.load_state(saved);
    b.arena.values().copy_(a.arena.values());  // the model half of a checkpoint
    EXPECT_EQ(ob.layers()[1].planes.bits, oa.layers()[1].planes.bits);
    for (uint64_t i = 2; i < 6; ++i) {
        a.backward(i);
        oa.step();
        b.backward(i);
        ob.step();
    }
    const std::vector<float> va = values(a.arena), vb = values(b.arena);
    EXPECT_EQ(std::memcmp(va.data(), vb.data(), va.size() * sizeof(float)), 0);
}

TEST(BsqOptimizer, RefusesBadSettings) {
    Tiny t;
    BsqOptions o = options();
    o.bits = 0;
    EXPECT_TRUE(testing::throws_with([&] { BsqOptimizer(t.arena, o); }, {"bsq_bits", "got 0"}));
    o = options();
    o.alpha = -1;
    EXPECT_TRUE(testing::throws_with([&] { BsqOptimizer(t.arena, o); }, {"bsq_alpha"}));
}

}  // namespace
}  // namespace mdq
