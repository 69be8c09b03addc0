// Module tree, state dictionaries and the parameter arena.
#include "layers/activation.h"
#include "layers/param_arena.h"
#include "layers/sequential.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

// y = x * w + b, elementwise, with a running-count buffer.
class Affine : public Module {
  public:
    explicit Affine(int64_t n) {
        w_ = &register_parameter("weight", Tensor::full({n}, 2.0), ParamRole::Weight);
        b_ = &register_parameter("bias", Tensor::full({n}, 0.5), ParamRole::Bias);
        calls_ = &register_buffer("calls", Tensor::zeros({1}));
    }
    Tensor forward(const Tensor& x) override {
        calls_->fill_(calls_->item<float>() + 1);
        return x * w_->value + b_->value;
    }
    std::string type_name() const override { return "Affine"; }

  private:
    Parameter *w_, *b_;
    Tensor* calls_;
};

std::shared_ptr<Sequential> model() {
    auto inner = std::make_shared<Sequential>(
        std::initializer_list<ModulePtr>{std::make_shared<Affine>(3), std::make_shared<ReLU>()});
    auto m = std::make_shared<Sequential>();
    m->add(std::make_shared<Affine>(3), "first");
    m->add(inner, "block");
    m->add(std::make_shared<Affine>(3));
    return m;
}

TEST(Module, NamesFollowRegistrationOrder) {
    auto m = model();
    std::vector<std::string> names;
    for (auto& [n, p] : m->named_parameters())
        names.push_back(n);
    EXPECT_EQ(names, (std::vector<std::string>{"first.weight", "first.bias", "block.0.weight",
                                               "block.0.bias", "2.weight", "2.bias"}));
    EXPECT_EQ(m->named_buffers().size(), 3u);
    EXPECT_EQ(m->num_parameters(), 18);
    EXPECT_EQ(m->named_parameters()[0].second->role, ParamRole::Weight);
    EXPECT_EQ(m->named_parameters()[0].second->layer_type, "Affine");
}

// The tracer hears the start and the end of every call, nested calls inside their parent's.
TEST(Module, TracerSeesTheStartAndEndOfEveryCall) {
    struct Recorder final : ModuleTracer {
        std::vector<std::string> events;
        void on_forward_begin(const Module& m, const Tensor&) override {
            events.push_back("+" + m.type_name());
        }
        void on_forward(const Module& m, const Tensor&, const Tensor&) override {
            events.push_back("-" + m.type_name());
        }
    } rec;
    auto inner = std::make_shared<Sequential>(
        std::initializer_list<ModulePtr>{std::make_shared<Affine>(3), std::make_shared<ReLU>()});
    ModuleTracer* prev = set_module_tracer(&rec);
    (*inner)(Tensor::ones({2, 3}));
    set_module_tracer(prev);
    EXPECT_EQ(rec.events, (std::vector<std::string>{"+Sequential", "+Affine", "-Affine", "+ReLU",
                                                    "-ReLU", "-Sequential"}));
}

TEST(Module, TrainEvalPropagates) {
    auto m = model();
    m->eval();
    for (auto& [n, c] : m->named_modules())
        EXPECT_FALSE(c->is_training()) << n;
    m->train();
    EXPECT_TRUE((*m)[1].is_training());
}

TEST(Module, StateDictRoundTripAndStrictness) {
    auto a = model(), b = model();
    {
        NoGradGuard g;
        a->named_parameters()[0].second->value.fill_(7.0);
    }
    b->load_state_dict(a->state_dict());
    EXPECT_EQ(b->named_parameters()[0].second->value.to_vector<float>(),
              std::vector<float>(3, 7.0f));
    auto state = a->state_dict();
    state["first.weight"] = Tensor::zeros({4});
    EXPECT_TRUE(throws_with([&] { b->load_state_dict(state); }, {"first.weight", "[4]", "[3]"}));
    state = a->state_dict();
    state.erase("2.bias");
    EXPECT_TRUE(throws_with([&] { b->load_state_dict(state); }, {"'2.bias' missing"}));
    b->load_state_dict(state, /*strict=*/false);
    state = a->state_dict();
    state["extra"] = Tensor::zeros({1});
    EXPECT_TRUE(throws_with([&] { b->load_state_dict(state); }, {"unexpected keys", "extra"}));
}

TEST(Module, DuplicateNamesAreRejected) {
    struct Bad : Module {
        Bad() {
            register_parameter("w", Tensor::zeros({1}), ParamRole::Weight);
            register_buffer("w", Tensor::zeros({1}));
        }
        Tensor forward(const Tensor& x) override { return x; }
        std::string type_name() const override { return "Bad"; }
    };
    EXPECT_TRUE(throws_with([] { Bad b; }, {"Bad", "'w' registered twice"}));
}

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

// A moved model leaves its arena, whose compute copy would no longer follow the values.
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

TEST(ParamArena, RejectsEmptyModels) {
    ReLU r;
    EXPECT_TRUE(throws_with([&] { ParamArena a(r); }, {"ParamArena", "no parameters"}));
}

}  // namespace
}  // namespace mdq
