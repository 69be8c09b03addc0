// Module tree: names in registration order, the tracer, train/eval, state dictionaries.
#include "layers/module.h"

#include "layers/sequential.h"
#include "tests/layers/module_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using namespace module_test;
using testing::throws_with;

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

TEST(Module, FindsParametersAndBuffersByDottedName) {
    auto m = model();
    for (auto& [n, p] : m->named_parameters())
        EXPECT_EQ(m->find_parameter(n), p) << n;
    for (auto& [n, t] : m->named_buffers())
        EXPECT_EQ(m->find_buffer(n), t) << n;
    EXPECT_EQ(m->find_parameter("block.0"), nullptr);
    EXPECT_EQ(m->find_parameter("weight"), nullptr);  // names are full paths
    EXPECT_EQ(m->find_buffer(m->named_parameters()[0].first), nullptr);
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

// A moved model leaves its arena, whose compute copy would no longer follow the values.
}  // namespace
}  // namespace mdq
