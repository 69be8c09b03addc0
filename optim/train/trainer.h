// The training driver behind `mdq train` (docs/TRAINING.md): the training loop over an
// Experiment, periodic validation with soft and hard weights, checkpoints (every N steps, the
// best, the last), metrics, and the final test evaluation of the best checkpoint. A stop
// signal (core/stop_signal.h) ends the run at the next step boundary with a checkpoint.
//
//   Trainer t(make_train_config_from("configs/x.json", {"lr=0.01"}));
//   TrainSummary s = t.run();  // OUT_DIR/{config.json, metrics.*, *.safetensors, summary.json}
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "optim/train/bsq_training.h"
#include "optim/train/checkpoint.h"
#include "optim/train/experiment.h"
#include "optim/train/metrics_log.h"
#include "optim/train/run_lock.h"
#include "optim/train/train_step.h"

namespace mdq {

struct TrainSummary {
    double best_val_acc = -1.0;  // hard-quantized weights, as the authors select
    int64_t best_step = -1;
    double test_acc_soft = 0.0, test_acc_hard = 0.0;
    double test_loss_soft = 0.0, test_loss_hard = 0.0;
    double images_per_s = 0.0;
    double train_seconds = 0.0;
    int64_t steps = 0;
    double final_beta = 0.0;
    nlohmann::json bsq;    // method=bsq: the precision table (optim/train/bsq_training.h)
    nlohmann::json prune;  // prune=taylor: live channels (optim/train/taylor_training.h)
    nlohmann::json to_json() const;
};

// Thrown by Trainer::run when a stop signal ended the run; checkpoint resumes it. In a
// multi-process job every rank throws it; only the main rank (report()) tells the user.
class TrainingInterrupted : public Error {
  public:
    TrainingInterrupted(const std::string& msg, int sig, std::string checkpoint, bool report = true)
        : Error(msg), signal_(sig), checkpoint_(std::move(checkpoint)), report_(report) {}
    int signal() const { return signal_; }
    const std::string& checkpoint() const { return checkpoint_; }
    bool report() const { return report_; }

  private:
    int signal_;
    std::string checkpoint_;
    bool report_;
};

class Trainer {
  public:
    // Builds the experiment; resume_path (optional) continues a run from its checkpoint.
    explicit Trainer(const Config& cfg, const std::string& resume_path = "");
    ~Trainer();
    // Trains to the end; throws TrainingInterrupted after a stop signal.
    TrainSummary run();

    Experiment& experiment() { return ex_; }
    const std::string& out_dir() const { return out_dir_; }
    const TrainPosition& position() const { return pos_; }

  private:
    void end_of_epoch();
    void adjust_bsq_precision();
    void update_ewgs_deltas();  // ewgs_delta=hessian, at the end of every epoch
    void log_train();
    void validate();
    void save(const std::string& name);
    void require_finite_loss();
    int agreed_stop_signal();
    [[noreturn]] void stop(int sig);
    TrainSummary finish();

    Experiment ex_;
    TrainStep step_;  // keeps the training metrics since the last log line
    bool main_rank_ = true;
    std::string out_dir_;
    std::unique_ptr<RunLock> lock_;  // main rank: no other run writes to out_dir_ meanwhile
    std::unique_ptr<MetricsLog> log_;
    std::unique_ptr<ProgressBar> bar_;
    TrainPosition pos_;
    int64_t log_interval_ = 50, eval_interval_ = 0, ckpt_interval_ = 0;
    BsqSchedule bsq_schedule_;

    int64_t total_images_ = 0;
    double window_start_ = 0.0, train_seconds_ = 0.0;
};

// The configuration of `mdq train` from a recipe file ("" for none) and key=value settings.
Config make_train_config_from(const std::string& config_file, const std::vector<std::string>& sets);

}  // namespace mdq
