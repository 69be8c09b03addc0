// Metrics files: JSON lines and CSV with fixed columns, appended across runs.
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "optim/train/metrics_log.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

std::vector<std::string> lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string l; std::getline(in, l);)
        out.push_back(l);
    return out;
}

TEST(MetricsLog, WritesJsonLinesAndCsvAndAppends) {
    const std::string dir = ::testing::TempDir() + "/mdq_metrics_" + std::to_string(::getpid());
    ASSERT_EQ(std::system(("mkdir -p " + dir + " && rm -f " + dir + "/metrics.*").c_str()), 0);
    {
        MetricsLog log(dir, {"step", "loss", "val_acc"});
        log.write("train", {{"step", 1}, {"loss", 2.5}});
        log.write("val", {{"step", 1}, {"val_acc", 0.75}});
        EXPECT_TRUE(testing::throws_with([&] { log.write("train", {{"nope", 1}}); }, {"'nope'"}));
    }
    {
        MetricsLog log(dir, {"step", "loss", "val_acc"});  // a resumed run appends
        log.write("train", {{"step", 2}, {"loss", NAN}});
    }
    const auto csv = lines(dir + "/metrics.csv");
    ASSERT_EQ(csv.size(), 4u);
    EXPECT_EQ(csv[0], "kind,step,loss,val_acc");
    EXPECT_EQ(csv[1], "train,1,2.5,");
    EXPECT_EQ(csv[2], "val,1,,0.75");
    EXPECT_EQ(csv[3], "train,2,,");
    const auto jl = lines(dir + "/metrics.jsonl");
    ASSERT_EQ(jl.size(), 3u);
    const auto j = nlohmann::json::parse(jl[1]);
    EXPECT_EQ(j["kind"], "val");
    EXPECT_EQ(j["val_acc"], 0.75);
    EXPECT_TRUE(nlohmann::json::parse(jl[2])["loss"].is_null());
}

}  // namespace
}  // namespace mdq
