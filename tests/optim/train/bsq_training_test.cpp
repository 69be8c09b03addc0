// method=bsq from the training config: bad values are clear errors, the experiment builds a
// BsqOptimizer that the training step drives (the arena holds the recomposed planes), and the
// precision table reports what BSQ defines, and the precision log gets a header once and a row
// per call. The trainer end to end: trainer_test.cpp.
#include "optim/train/bsq_training.h"

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "optim/train/train_step.h"
#include "tests/optim/train/train_step_test.h"
#include "tests/testing/test_util.h"

namespace mdq {
namespace {

using testing::throws_with;
using train_step_test::synthetic_run;

TEST(BsqTraining, RefusesBadValues) {
    const auto build = [](const std::string& bad) {
        return [bad] {
            Experiment ex(synthetic_run("cpu", {"method=bsq", bad}), Experiment::Synthetic{});
        };
    };
    EXPECT_TRUE(throws_with(build("bsq_bits=0"), {"bsq_bits must lie in [1, 16]", "got 0"}));
    EXPECT_TRUE(throws_with(build("bsq_bits=17"), {"bsq_bits", "got 17"}));
    EXPECT_TRUE(throws_with(build("bsq_alpha=-1"), {"bsq_alpha must be >= 0"}));
    EXPECT_TRUE(throws_with(build("optimizer=adam"), {"set optimizer=sgd", "'adam'"}));
    const auto schedule = [](const std::string& set) {
        return [set] { bsq_schedule_from(synthetic_run("cpu", {"method=bsq", set}), 10); };
    };
    EXPECT_TRUE(throws_with(schedule("bsq_interval=0"), {"bsq_interval must be >= 1", "got 0"}));
    EXPECT_TRUE(throws_with(schedule("bsq_finetune=10"), {"bsq_finetune must lie in [0, 10)"}));
    EXPECT_TRUE(throws_with(schedule("bsq_finetune=-1"), {"bsq_finetune", "got -1"}));
}

TEST(BsqTraining, ScheduleAdjustsEveryIntervalThenFreezes) {
    // 10 epochs, every 3rd adjusts, the last 4 (epochs 6-9, from 0) are frozen.
    const BsqSchedule s = bsq_schedule_from(
        synthetic_run("cpu", {"method=bsq", "bsq_interval=3", "bsq_finetune=4"}), 10);
    std::vector<int64_t> adjusted;
    for (int64_t done = 1; done <= 10; ++done)
        if (s.adjust_after(done)) adjusted.push_back(done);
    // After epoch 6 (from 1) the precision is set for the fine-tune; 9 falls inside it.
    EXPECT_EQ(adjusted, (std::vector<int64_t>{3, 6}));
    for (int64_t e = 0; e < 10; ++e)
        EXPECT_EQ(s.frozen(e), e >= 6) << e;
    const BsqSchedule plain =
        bsq_schedule_from(synthetic_run("cpu", {"method=bsq", "bsq_interval=2"}), 10);
    adjusted.clear();
    for (int64_t done = 1; done <= 10; ++done)
        if (plain.adjust_after(done)) adjusted.push_back(done);
    EXPECT_EQ(adjusted, (std::vector<int64_t>{2, 4, 6, 8, 10}));
}

TEST(BsqTraining, TrainStepDrivesThePlanes) {
    Experiment ex(synthetic_run("cpu", {"method=bsq", "bsq_bits=6", "bsq_alpha=0.01"}),
                  Experiment::Synthetic{});
    ASSERT_TRUE(ex.bsq);
    for (const QuantOptimizer::Param& p : ex.opt->params())
        EXPECT_EQ(p.spec.method, Method::Float) << p.name;
    const Tensor before = ex.arena->values().clone();
    TrainStep step(ex);
    std::vector<double> losses;  // of each step on the fixed batch
    while (losses.size() < 21) {
        step.reset();
        step.run(ex.synthetic.images, ex.synthetic.labels);
        losses.push_back(step.loss_sum().item<double>());
    }
    EXPECT_LT(losses.back(), losses.front());
    EXPECT_GT(ex.bsq->regularizer(), 0);
    EXPECT_FALSE(testing::all_equal(ex.arena->values(), before));
    // The arena's weights are the planes recomposed, bit for bit.
    for (const BsqOptimizer::Layer& l : ex.bsq->layers()) {
        const ParamArena::Slot& s = ex.arena->slot(l.name);
        const Tensor w = ex.arena->values().slice(0, s.offset, s.offset + s.numel).view(s.shape);
        EXPECT_TRUE(testing::all_equal(w, bitplane_recompose(l.planes))) << l.name;
    }
    const nlohmann::json t = bsq_precision_table(*ex.bsq);
    EXPECT_EQ(t["layers"].size(), ex.bsq->layers().size());
    for (const auto& [name, bits] : t["layers"].items())
        EXPECT_EQ(bits.get<int>(), 6) << name;
    EXPECT_DOUBLE_EQ(t["average_bits"].get<double>(), 6.0);
    EXPECT_DOUBLE_EQ(t["compression"].get<double>(), 32.0 / 6.0);
}

TEST(BsqTraining, PrecisionLogHasAHeaderAndARowPerCall) {
    Experiment ex(synthetic_run("cpu", {"method=bsq", "bsq_bits=5"}), Experiment::Synthetic{});
    const std::string path =
        ::testing::TempDir() + "/mdq_bsq_log_" + std::to_string(::getpid()) + ".csv";
    std::remove(path.c_str());
    append_bsq_precision(path, 0, 0, *ex.bsq);
    append_bsq_precision(path, 1, 430, *ex.bsq);
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);)
        lines.push_back(l);
    ASSERT_EQ(lines.size(), 3u);
    std::string header = "epoch,step,average_bits", row = "1,430,5";
    for (const BsqOptimizer::Layer& l : ex.bsq->layers()) {
        header += "," + l.name;
        row += ",5";
    }
    EXPECT_EQ(lines[0], header);
    EXPECT_EQ(lines[2], row);
    std::remove(path.c_str());
}

}  // namespace
}  // namespace mdq
