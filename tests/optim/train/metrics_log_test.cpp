// Metrics files: JSON lines and CSV with fixed columns, appended across runs.
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "optim/train/metrics_log.h"
#include "tests/testing/small_fs.h"
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

// A full disk mid-run: the error names the file and the reason, and both files keep whole,
// matching rows (a row is never half written, nor written to one file only).
TEST(MetricsLog, FullDiskIsAnErrorAndKeepsWholeRows) {
    testing::SmallFilesystem fs(128 << 10);
    if (!fs.mounted()) GTEST_SKIP() << fs.reason();
    MetricsLog log(fs.path(), {"step", "loss"});
    log.write("train", {{"step", 1}, {"loss", 0.5}});
    fs.fill();
    int64_t step = 2;
    const bool threw = testing::throws_with(
        [&] {
            for (; step < 100000; ++step)  // tmpfs frees a page at a time: fill the last one
                log.write("train", {{"step", static_cast<double>(step)}, {"loss", 0.25}});
        },
        {"cannot append to '" + fs.path() + "/metrics.", "No space left on device",
         "earlier rows"});
    EXPECT_TRUE(threw);
    const auto csv = lines(fs.path() + "/metrics.csv");
    const auto jl = lines(fs.path() + "/metrics.jsonl");
    ASSERT_EQ(csv.size(), jl.size() + 1);  // the header
    ASSERT_GE(jl.size(), 1u);
    for (size_t i = 0; i < jl.size(); ++i) {
        EXPECT_EQ(nlohmann::json::parse(jl[i])["step"], static_cast<double>(i + 1)) << jl[i];
        EXPECT_EQ(csv[i + 1], "train," + std::to_string(i + 1) + (i ? ",0.25" : ",0.5"));
    }
    EXPECT_EQ(static_cast<int64_t>(jl.size()), step - 1);
}

}  // namespace
}  // namespace mdq
