// The recipes: every file in configs/ uses known keys with the right types and valid
// activation/gradient settings, and the authors' schedule values.
#include <dirent.h>

#include "optim/train/act_quant_setup.h"
#include "optim/train/train_config.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

TEST(Recipes, EveryConfigFileIsValid) {
    const std::string dir = std::string(MDQ_SOURCE_DIR) + "/configs";
    DIR* d = opendir(dir.c_str());
    ASSERT_NE(d, nullptr) << dir;
    int n = 0;
    while (dirent* e = readdir(d)) {
        const std::string name = e->d_name;
        if (name.size() < 5 || name.substr(name.size() - 5) != ".json") continue;
        Config c = make_train_config();
        EXPECT_NO_THROW(c.merge_file(dir + "/" + name)) << name;
        EXPECT_TRUE(c.has("model") && c.has("dataset") && c.has("method")) << name;
        EXPECT_NO_THROW(io_quant_settings_from(c)) << name;  // act_bits, grad_bits, ...
        ++n;
    }
    closedir(d);
    EXPECT_GE(n, 28);
}

TEST(Recipes, AuthorsScheduleValues) {
    Config c = make_train_config();
    c.merge_file(std::string(MDQ_SOURCE_DIR) + "/configs/cifar100-resnet18-md-softmax-s.json");
    EXPECT_EQ(c.get_float("beta_scale"), 1.1);
    EXPECT_EQ(c.get_int("beta_interval"), 200);
    EXPECT_EQ(c.get_float("lr_decay"), 0.2);
    EXPECT_EQ(c.get_int("epochs"), 285);
}

// Primal md-tanh/md-softmax train with the dual coordinate unless a recipe asks for the
// authors' numerics (docs/QUANTIZATION.md 2).
TEST(Recipes, PrimalMdIsStableByDefault) {
    EXPECT_TRUE(make_train_config().get_bool("md_stable"));
}

}  // namespace
}  // namespace mdq
