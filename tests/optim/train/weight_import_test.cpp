// init_from: a PyTorch-style state_dict (OIHW, its own names, num_batches_tracked) and an mdq
// checkpoint both land bit for bit in a freshly built model; mismatches are listed together.
#include "optim/train/weight_import.h"

#include <unistd.h>

#include "data/safetensors.h"
#include "models/registry.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::all_equal;
using testing::throws_with;

std::string temp_file(const std::string& name) {
    return ::testing::TempDir() + "/mdq_weight_import_" + std::to_string(::getpid()) + "_" + name;
}

ModulePtr lenet(uint64_t seed) {
    ModelOptions o;
    o.seed = seed;
    return build_model("lenet5", o);
}

// The model's state as PyTorch would save it: OIHW convolutions, "torch." names, counters.
std::map<std::string, Tensor> as_pytorch(Module& m, std::map<std::string, std::string>& map) {
    std::map<std::string, Tensor> out;
    for (const auto& [name, t] : m.state_dict()) {
        const std::string torch_name = "torch." + name;
        map[torch_name] = name;
        out[torch_name] = t.dim() == 4 ? t.permute({0, 3, 1, 2}).contiguous() : t;
    }
    out["torch.bn.num_batches_tracked"] = Tensor::zeros({}, DType::I64, Device::cpu());
    return out;
}

void expect_same_state(Module& a, Module& b) {
    const auto sa = a.state_dict(), sb = b.state_dict();
    ASSERT_EQ(sa.size(), sb.size());
    for (const auto& [name, t] : sa)
        EXPECT_TRUE(all_equal(t, sb.at(name))) << name;
}

TEST(WeightImport, PytorchStateDictWithNameMapAndLayout) {
    auto src = lenet(1), dst = lenet(2);
    std::map<std::string, std::string> map;
    const std::string path = temp_file("torch.safetensors");
    save_safetensors(path, as_pytorch(*src, map));
    import_weights(path, *dst, map);
    expect_same_state(*src, *dst);
}

TEST(WeightImport, MdqCheckpointTensorsAsTheyAre) {
    auto src = lenet(3), dst = lenet(4);
    std::map<std::string, Tensor> tensors;
    for (const auto& [name, t] : src->state_dict())
        tensors["model." + name] = t;
    tensors["opt.u.ignored"] = Tensor::zeros({3}, DType::F32, Device::cpu());
    const std::string path = temp_file("ck.safetensors");
    save_safetensors(path, tensors, {{"format", "mdq-checkpoint-1"}});
    import_weights(path, *dst);
    expect_same_state(*src, *dst);
}

TEST(WeightImport, MismatchesAreListedTogether) {
    auto src = lenet(5), dst = lenet(6);
    std::map<std::string, std::string> map;
    auto state = as_pytorch(*src, map);
    const std::string first = map.begin()->first;  // dropped: missing from the file
    state.erase(first);
    map.erase(first);
    state["torch.extra"] = Tensor::zeros({2}, DType::F32, Device::cpu());
    auto& [wrong_name, wrong] = *state.rbegin();
    const std::string wrong_mdq = map.at(wrong_name);
    wrong = Tensor::zeros({wrong.numel() + 1}, DType::F32, Device::cpu());
    const std::string path = temp_file("bad.safetensors");
    save_safetensors(path, state);
    EXPECT_TRUE(throws_with([&] { import_weights(path, *dst, map); },
                            {"missing from the file (1)", first.substr(6), "not in the model (1)",
                             "torch.extra", "shapes differ (1)", wrong_mdq}));
}

TEST(WeightImport, NameMapOfAnAbsentTensorIsAnError) {
    auto m = lenet(7);
    std::map<std::string, std::string> map;
    const std::string path = temp_file("torch2.safetensors");
    save_safetensors(path, as_pytorch(*m, map));
    EXPECT_TRUE(throws_with(
        [&] {
            import_weights(path, *m, {{"nope", "fc.weight"}});
        },
        {"init_map", "'nope'"}));
}

}  // namespace
}  // namespace mdq
