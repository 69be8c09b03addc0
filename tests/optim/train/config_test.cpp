// Typed configuration: defaults, JSON files, --set parsing, and errors that name the key.
#include <unistd.h>

#include <fstream>

#include "optim/train/config.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;

Config make() {
    return Config({{"model", ConfigType::String, "lenet5", "model name"},
                   {"batch_size", ConfigType::Int, 128, "batch"},
                   {"lr", ConfigType::Float, 1e-3, "learning rate"},
                   {"nesterov", ConfigType::Bool, false, "nesterov"},
                   {"milestones", ConfigType::IntList, nlohmann::json::array(), "lr milestones"},
                   {"exempt", ConfigType::StringList, nlohmann::json::array(), "patterns"},
                   {"layer_levels", ConfigType::Object, nlohmann::json::object(), "per layer"}});
}

TEST(Config, DefaultsAndOverrides) {
    Config c = make();
    EXPECT_EQ(c.get_string("model"), "lenet5");
    EXPECT_FALSE(c.has("lr"));
    c.set("lr=0.5");
    c.set("batch_size=64");
    c.set("nesterov=true");
    c.set("milestones=100,200");
    c.set("exempt=conv1.*,fc.*");
    c.set("layer_levels={\"fc\": 3}");
    c.set("model=resnet18-cifar");
    EXPECT_TRUE(c.has("lr"));
    EXPECT_EQ(c.get_float("lr"), 0.5);
    EXPECT_EQ(c.get_int("batch_size"), 64);
    EXPECT_TRUE(c.get_bool("nesterov"));
    EXPECT_EQ(c.get_int_list("milestones"), (std::vector<int64_t>{100, 200}));
    EXPECT_EQ(c.get_string_list("exempt"), (std::vector<std::string>{"conv1.*", "fc.*"}));
    EXPECT_EQ(c.get_json("layer_levels")["fc"], 3);
    EXPECT_EQ(c.get_string("model"), "resnet18-cifar");
    c.set("lr=1");  // an integer is a valid number
    EXPECT_EQ(c.get_float("lr"), 1.0);
    EXPECT_EQ(c.effective()["batch_size"], 64);
}

TEST(Config, UnknownKeysAndWrongTypesNameTheKey) {
    Config c = make();
    EXPECT_TRUE(throws_with([&] { c.set("batchsize=3"); },
                            {"unknown config key 'batchsize'", "did you mean 'batch_size'"}));
    EXPECT_TRUE(throws_with([&] { c.set("batch_size=abc"); }, {"'batch_size'", "integer", "abc"}));
    EXPECT_TRUE(throws_with([&] { c.set("batch_size=1.5"); }, {"'batch_size'", "integer"}));
    EXPECT_TRUE(throws_with([&] { c.set("nesterov=1"); }, {"'nesterov'", "boolean"}));
    EXPECT_TRUE(
        throws_with([&] { c.set("milestones=1,x"); }, {"'milestones'", "list of integers"}));
    EXPECT_TRUE(throws_with([&] { c.set("lr"); }, {"key=value"}));
    EXPECT_TRUE(throws_with(
        [&] {
            c.merge({{"lr", "fast"}}, "test.json");
        },
        {"'lr'", "test.json", "number"}));
}

TEST(Config, FilesWithCommentsAndErrors) {
    const std::string p = ::testing::TempDir() + "/mdq_cfg_" + std::to_string(::getpid()) + ".json";
    std::ofstream(p) << "{\n  // a recipe\n  \"_comment\": \"ignored\",\n  \"lr\": 0.01, "
                        "\"milestones\": [5]\n}\n";
    Config c = make();
    c.merge_file(p);
    EXPECT_EQ(c.get_float("lr"), 0.01);
    EXPECT_EQ(c.get_int_list("milestones"), (std::vector<int64_t>{5}));
    std::ofstream(p) << "{\"lr\": }";
    EXPECT_TRUE(throws_with([&] { c.merge_file(p); }, {"not valid JSON", p}));
    std::ofstream(p) << "{\"learning_rate\": 1}";
    EXPECT_TRUE(throws_with([&] { c.merge_file(p); }, {"unknown config key 'learning_rate'"}));
    EXPECT_TRUE(throws_with([&] { c.merge_file(p + ".none"); }, {"cannot open config file"}));
}

}  // namespace
}  // namespace mdq
