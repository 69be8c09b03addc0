#include "optim/train/trainer.h"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "core/generator.h"
#include "core/stop_signal.h"
#include "kernels/ops.h"
#include "layers/act_quant.h"
#include "optim/train/bsq_training.h"
#include "optim/train/card_io.h"
#include "optim/train/card_schemes.h"
#include "optim/train/thin.h"
#include "optim/train/thin_checkpoint.h"
#include "optim/train/train_config.h"

namespace mdq {

namespace {

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void make_folder(const std::string& path) {
    std::string partial;
    for (size_t i = 0; i <= path.size(); ++i) {
        if (i == path.size() || path[i] == '/') {
            if (!partial.empty() && ::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST)
                MDQ_THROW(IoError, "cannot create the output folder '", partial,
                          "': ", std::strerror(errno));
        }
        if (i < path.size()) partial += path[i];
    }
}

// The keys that must agree between a checkpoint and the run resuming from it.
void check_resumable(const nlohmann::json& saved, const Config& cfg, const std::string& path) {
    for (const char* key : {"model", "dataset", "method", "levels", "batch_size", "optimizer"}) {
        const nlohmann::json now = cfg.get_json(key);
        MDQ_CHECK(saved.contains(key) && saved[key] == now, "cannot resume from '", path, "': its ",
                  key, " is ", saved.contains(key) ? saved[key].dump() : "missing",
                  " but this run's is ", now.dump());
    }
    // Keys newer than some checkpoints: a missing one had its default.
    for (const ConfigKey& k : cfg.schema()) {
        if (k.name != "act_bits" && k.name != "act_quantizer" && k.name != "grad_bits" &&
            k.name != "first_last")
            continue;
        const nlohmann::json was = saved.value(k.name, k.default_value), now = cfg.get_json(k.name);
        MDQ_CHECK(was == now, "cannot resume from '", path, "': its ", k.name, " is ", was.dump(),
                  " but this run's is ", now.dump());
    }
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// The run's folder. An explicit out_dir is used as given; a resumed run without one continues
// in its checkpoint's folder; otherwise the default name, numbered -2, -3... past the folders
// that already hold a run, so that a new run never lands on an earlier one. Only a
// single-process run numbers: the ranks of a job could pick different numbers.
std::string run_folder(const Config& cfg, const std::string& resume_path, bool single_process) {
    if (!cfg.get_string("out_dir").empty()) return output_folder(cfg);
    if (!resume_path.empty()) {
        const size_t slash = resume_path.rfind('/');
        return slash == std::string::npos ? "." : resume_path.substr(0, slash);
    }
    const std::string base = output_folder(cfg);
    if (!single_process) return base;
    std::string dir = base;
    for (int n = 2; exists(dir + "/config.json"); ++n)
        dir = base + "-" + std::to_string(n);
    return dir;
}

}  // namespace

nlohmann::json TrainSummary::to_json() const {
    nlohmann::json j = {{"best_val_acc", best_val_acc},
                        {"best_step", best_step},
                        {"test_acc_soft", test_acc_soft},
                        {"test_acc_hard", test_acc_hard},
                        {"test_loss_soft", test_loss_soft},
                        {"test_loss_hard", test_loss_hard},
                        {"images_per_s", images_per_s},
                        {"train_seconds", train_seconds},
                        {"steps", steps},
                        {"final_beta", final_beta}};
    if (!bsq.is_null()) j["bsq"] = bsq;
    if (!prune.is_null()) j["prune"] = prune;
    return j;
}

Config make_train_config_from(const std::string& config_file,
                              const std::vector<std::string>& sets) {
    Config cfg = make_train_config();
    if (!config_file.empty()) cfg.merge_file(config_file);
    for (const std::string& s : sets)
        cfg.set(s);
    return cfg;
}

Trainer::Trainer(const Config& cfg, const std::string& resume_path)
    : ex_(cfg), step_(ex_, train_step_options_from(cfg)) {
    main_rank_ = !ex_.comm || ex_.comm->rank() == 0;
    log_interval_ = cfg.get_int("log_interval");
    eval_interval_ = cfg.get_int("eval_interval");
    ckpt_interval_ = cfg.get_int("checkpoint_interval");
    MDQ_CHECK(log_interval_ > 0, "log_interval must be positive, got ", log_interval_);
    MDQ_CHECK(eval_interval_ >= 0 && ckpt_interval_ >= 0,
              "eval_interval and checkpoint_interval must be >= 0");
    if (ex_.bsq) bsq_schedule_ = bsq_schedule_from(cfg, ex_.run.epochs);
    out_dir_ = run_folder(cfg, resume_path, !ex_.comm || ex_.comm->size() == 1);
    if (main_rank_) {
        make_folder(out_dir_);
        lock_ = std::make_unique<RunLock>(out_dir_);
        if (lock_->taken_over_pid() > 0)
            std::printf("note: took over the lock of a stopped run (pid %ld) in %s\n",
                        lock_->taken_over_pid(), out_dir_.c_str());
        const std::string summary = out_dir_ + "/summary.json";
        if (resume_path.empty() && !cfg.get_bool("overwrite") && exists(summary))
            MDQ_THROW(Error, "the output folder '", out_dir_, "' holds a finished run (", summary,
                      "): give this run another out_dir, continue that one with --resume ",
                      out_dir_, "/last.safetensors, or set overwrite=true to replace it");
        write_file_atomic(out_dir_ + "/config.json", ex_.cfg.effective().dump(2) + "\n");
    }
    if (!resume_path.empty()) {
        // The checkpoint holds the recomposed weights, not the planes and their momentum.
        const Checkpoint ck = read_checkpoint(resume_path);
        check_resumable(ck.config, cfg, resume_path);
        restore_checkpoint(ck, *ex_.model, *ex_.opt, ex_.qopt.get());
        restore_pruner(ck.model_options, ex_.prune.get(), resume_path);
        if (ex_.bsq) load_bsq_state(resume_path, *ex_.bsq);
        for (auto& [name, q] : weight_quantizers(*ex_.model))
            q->reload_delta();
        for (auto& [name, a] : act_quantizers(*ex_.model))
            a->reload_delta();
        pos_ = ck.position;
        if (ex_.bsq && bsq_schedule_.frozen(pos_.epoch)) ex_.bsq->set_alpha(0.0);
        default_generator().set_offset(pos_.rng_offset);
    } else if (!weight_quantizers(*ex_.model).empty()) {
        // EWGS's initialisation from one training batch (a resumed run has its checkpoint's).
        std::optional<data::Batch> b = ex_.train_loader->next();
        MDQ_CHECK(b, "method=ewgs: the training set gives no batch to calibrate on");
        calibrate_weight_quantizers(*ex_.model, b->images);
        ex_.train_loader->set_position(0, 0);
    }
    if (ex_.bsq && main_rank_ && pos_.step == 0)
        append_bsq_precision(out_dir_ + "/" + kBsqPrecisionLog, 0, 0, *ex_.bsq);
}

Trainer::~Trainer() = default;

void Trainer::require_finite_loss() {
    if (step_.steps() == 0) return;
    const double mean_loss = step_.loss_sum().item<double>() / static_cast<double>(step_.steps());
    if (!std::isfinite(mean_loss))
        MDQ_THROW(Error, "training diverged: the loss is ", mean_loss, " by step ", pos_.step,
                  " (epoch ", pos_.epoch,
                  "); no checkpoint was written after it and the last good "
                  "one in '",
                  out_dir_, "' is kept (try a lower lr)");
}

void Trainer::log_train() {
    if (step_.steps() == 0) return;
    if (ex_.device.is_cuda()) check_cross_entropy_labels(ex_.device);
    require_finite_loss();
    const double dt = now_s() - window_start_;
    const double loss = step_.loss_sum().item<double>() / static_cast<double>(step_.steps());
    const double acc = static_cast<double>(step_.correct_sum().item<int64_t>()) /
                       static_cast<double>(step_.images());
    const double ips = dt > 0 ? static_cast<double>(step_.images()) / dt : 0.0;
    train_seconds_ += dt;
    total_images_ += step_.images();
    if (main_rank_) {
        log_->write("train", {{"step", pos_.step},
                              {"epoch", pos_.epoch},
                              {"loss", loss},
                              {"acc", acc},
                              {"beta", ex_.opt->beta()},
                              {"lr", ex_.opt->lr()},
                              {"images_per_s", ips}});
        bar_->update(pos_.step, pos_.epoch, ips, loss, acc, ex_.opt->beta());
    }
    step_.reset();
    window_start_ = now_s();
}

void Trainer::validate() {
    log_train();
    if (ex_.dp) ex_.dp->synchronize();
    const EvalResult soft = ex_.evaluate_soft(*ex_.val_loader, pos_.epoch);
    const EvalResult hard = ex_.evaluate_hard(*ex_.val_loader, pos_.epoch);
    const bool best = hard.acc > pos_.best_val_acc;
    if (best) {
        pos_.best_val_acc = hard.acc;
        pos_.best_step = pos_.step;
    }
    if (main_rank_) {
        bar_->finish();
        log_->write("val", {{"step", pos_.step},
                            {"epoch", pos_.epoch},
                            {"val_loss", soft.loss},
                            {"val_acc", soft.acc},
                            {"val_acc_hard", hard.acc}});
        std::printf("validation at step %lld: soft %.2f%%  hard %.2f%%  (best hard %.2f%%)\n",
                    static_cast<long long>(pos_.step), 100 * soft.acc, 100 * hard.acc,
                    100 * pos_.best_val_acc);
        std::fflush(stdout);
        if (best) save("best.safetensors");
    }
    window_start_ = now_s();
}

void Trainer::save(const std::string& name) {
    log_train();  // closes the timing window and checks the loss
    if (ex_.dp) ex_.dp->synchronize();
    pos_.rng_offset = default_generator().offset();
    nlohmann::json model_options = ex_.model_options_json();
    if (ex_.prune) model_options[kPrunerStateKey] = ex_.prune->state();
    save_checkpoint(out_dir_ + "/" + name, *ex_.model, *ex_.opt, pos_, ex_.cfg.effective(),
                    model_options, ex_.qopt.get());
    if (ex_.bsq) save_bsq_state(out_dir_ + "/" + name, *ex_.bsq);
    window_start_ = now_s();
}

// A multi-process job acts on a signal only at steps all its ranks reach together: every
// log_interval-th step, where log_train reads the loss back anyway, the ranks sum one flag per
// signal (an all-reduce of two values), so a signal sent to any one rank stops them all at the
// same step boundary. A single process acts on it at the next step.
int Trainer::agreed_stop_signal() {
    const int own = stop_signal();
    if (!ex_.comm || ex_.comm->size() == 1) return own;
    if (pos_.step % log_interval_ != 0) return 0;
    Tensor flags = Tensor::from_vector<float>(
        {own == SIGINT ? 1.0f : 0.0f, own != 0 && own != SIGINT ? 1.0f : 0.0f}, {2},
        ex_.comm->device());
    ex_.comm->all_reduce(flags, comm::AllReduceOp::Sum);
    const Tensor host = flags.to(Device::cpu());
    const float* f = host.data<float>();
    if (own != 0) return own;
    return f[0] > 0 ? SIGINT : (f[1] > 0 ? SIGTERM : 0);
}

void Trainer::stop(int sig) {
    const std::string ckpt = out_dir_ + "/last.safetensors";
    if (main_rank_) save("last.safetensors");
    // No rank leaves before the checkpoint is written: mpirun ends a job when one rank exits.
    if (ex_.comm && ex_.comm->size() > 1) ex_.comm->barrier();
    if (main_rank_) bar_->finish();
    throw TrainingInterrupted(
        detail::cat("stopped by ", signal_name(sig), " at step ", pos_.step, " of ",
                    ex_.run.iterations, "; checkpoint written to ", ckpt),
        sig, ckpt, main_rank_);
}

void Trainer::end_of_epoch() {
    pos_.epoch += 1;
    pos_.batch = 0;
    ex_.train_loader->start_epoch(pos_.epoch);
    if (ex_.bsq) {
        if (bsq_schedule_.adjust_after(pos_.epoch)) adjust_bsq_precision();
        if (bsq_schedule_.frozen(pos_.epoch)) ex_.bsq->set_alpha(0.0);
    }
    if (ex_.hessian_loader) update_ewgs_deltas();
    if (eval_interval_ == 0) validate();
    if (ckpt_interval_ == 0 && main_rank_) save("last.safetensors");
}

void Trainer::update_ewgs_deltas() {
    log_train();  // closes the timing window: the estimate is not training throughput
    data::Loader& loader = *ex_.hessian_loader;
    loader.start_epoch(pos_.epoch);
    const std::vector<EwgsLayerDelta> deltas = ewgs_hessian_deltas(
        *ex_.model,
        [&](Tensor& x, Tensor& y) {
            std::optional<data::Batch> b = loader.next();
            if (b) x = b->images, y = b->labels;
            return b.has_value();
        },
        ewgs_hessian_options_from(ex_.cfg));
    apply_ewgs_deltas(*ex_.model, deltas);
    window_start_ = now_s();
    if (!main_rank_) return;
    bar_->finish();
    for (const EwgsLayerDelta& d : deltas) {
        log_->write("ewgs_delta:" + d.name, {{"step", pos_.step},
                                             {"epoch", pos_.epoch},
                                             {"trace_per_elem", d.trace_per_elem},
                                             {"grad_std", d.grad_std},
                                             {"delta", d.delta},
                                             {"probes", d.probes}});
        std::printf(
            "ewgs delta after epoch %lld: %s = %.4g (Tr(H)/N %.4g, std(g) %.4g, %d probes)\n",
            static_cast<long long>(pos_.epoch), d.name.c_str(), d.delta, d.trace_per_elem,
            d.grad_std, d.probes);
    }
    std::fflush(stdout);
}

void Trainer::adjust_bsq_precision() {
    const bool changed = ex_.bsq->adjust_precision();
    if (!main_rank_) return;
    append_bsq_precision(out_dir_ + "/" + kBsqPrecisionLog, pos_.epoch, pos_.step, *ex_.bsq);
    if (!changed) return;
    bar_->finish();
    std::printf("bsq precision after epoch %lld: %s\n", static_cast<long long>(pos_.epoch),
                bsq_precision_table(*ex_.bsq).dump().c_str());
    std::fflush(stdout);
}

TrainSummary Trainer::run() {
    const Config& cfg = ex_.cfg;
    if (main_rank_) {
        log_ = std::make_unique<MetricsLog>(
            out_dir_,
            std::vector<std::string>{"step", "epoch", "loss", "acc", "beta", "lr", "images_per_s",
                                     "val_loss", "val_acc", "val_acc_hard", "trace_per_elem",
                                     "grad_std", "delta", "probes"});
        bar_ = std::make_unique<ProgressBar>(ex_.run.iterations, cfg.get_bool("progress"));
        std::printf(
            "mdq train: %s on %s (%lld parameters), %s with %lld levels, %lld iterations "
            "(%lld epochs of %lld batches), device %s, output %s\n",
            cfg.get_string("model").c_str(), cfg.get_string("dataset").c_str(),
            static_cast<long long>(ex_.arena->num_parameters()), cfg.get_string("method").c_str(),
            static_cast<long long>(cfg.get_int("levels")),
            static_cast<long long>(ex_.run.iterations), static_cast<long long>(ex_.run.epochs),
            static_cast<long long>(ex_.train_loader->batches_per_epoch()), ex_.device.str().c_str(),
            out_dir_.c_str());
        std::printf("training images: %s\n", ex_.train_loader->pipeline().description().c_str());
        if (pos_.step > 0)
            std::printf("resuming at step %lld (epoch %lld, batch %lld)\n",
                        static_cast<long long>(pos_.step), static_cast<long long>(pos_.epoch),
                        static_cast<long long>(pos_.batch));
        std::fflush(stdout);
    }
    ex_.model->train();
    ex_.train_loader->set_position(pos_.epoch, pos_.batch);
    window_start_ = now_s();
    int64_t last_val_step = -1;
    while (pos_.step < ex_.run.iterations) {
        if (const int sig = agreed_stop_signal()) stop(sig);  // a step boundary: state is whole
        std::optional<data::Batch> b = ex_.train_loader->next();
        if (!b) {
            end_of_epoch();
            if (eval_interval_ == 0) last_val_step = pos_.step;
            continue;
        }
        step_.run(b->images, b->labels);
        pos_.step += 1;
        pos_.batch += 1;
        if (pos_.step % log_interval_ == 0) log_train();
        if (eval_interval_ > 0 && pos_.step % eval_interval_ == 0) {
            validate();
            last_val_step = pos_.step;
        }
        if (ckpt_interval_ > 0 && pos_.step % ckpt_interval_ == 0 && main_rank_)
            save("last.safetensors");
    }
    log_train();
    if (last_val_step != pos_.step) validate();
    if (main_rank_) save("last.safetensors");
    return finish();
}

TrainSummary Trainer::finish() {
    TrainSummary s;
    s.steps = pos_.step;
    s.final_beta = ex_.opt->beta();
    s.train_seconds = train_seconds_;
    s.images_per_s = train_seconds_ > 0 ? static_cast<double>(total_images_) / train_seconds_ : 0.0;
    s.best_val_acc = pos_.best_val_acc;
    s.best_step = pos_.best_step;
    if (ex_.bsq && main_rank_) {  // the precision the run ends with, before the best is restored
        // A run that stops on its iteration count ends inside (or at the end of) an epoch.
        const int64_t per_epoch = ex_.train_loader->batches_per_epoch();
        append_bsq_precision(out_dir_ + "/" + kBsqPrecisionLog,
                             (pos_.step + per_epoch - 1) / per_epoch, pos_.step, *ex_.bsq);
    }
    // The test numbers are the best checkpoint's (docs/METHOD.md 1.8), with soft and hard weights.
    const std::string best = out_dir_ + "/best.safetensors";
    if (pos_.best_step >= 0 && std::ifstream(best).good()) {
        const Checkpoint ck = read_checkpoint(best);
        restore_checkpoint(ck, *ex_.model, *ex_.opt, ex_.qopt.get());
        restore_pruner(ck.model_options, ex_.prune.get(), best);  // its masks
        if (ex_.bsq) load_bsq_state(best, *ex_.bsq);              // its precision
    }
    if (ex_.prune) {  // of the model tested, with the MACs of its thinned version
        s.prune = ex_.prune->table();
        ModelOptions thin = ex_.model_options;
        thin.widths = thinned_widths(ex_.prune->plan(), ex_.prune->pruner().masks());
        s.prune["macs"] = model_macs(ex_.cfg.get_string("model"), thin);
        s.prune["macs_full"] = model_macs(ex_.cfg.get_string("model"), ex_.model_options);
    }
    if (ex_.bsq) s.bsq = bsq_precision_table(*ex_.bsq);
    const EvalResult soft = ex_.evaluate_soft(*ex_.test_loader);
    const EvalResult hard = ex_.evaluate_hard(*ex_.test_loader);
    s.test_acc_soft = soft.acc;
    s.test_loss_soft = soft.loss;
    s.test_acc_hard = hard.acc;
    s.test_loss_hard = hard.loss;
    if (!main_rank_) return s;
    write_file_atomic(out_dir_ + "/summary.json", s.to_json().dump(2) + "\n");
    write_card(out_dir_, training_card(ex_, "train", s.to_json()));  // docs/CARD.md
    std::printf("\nbest validation accuracy (hard weights): %.2f%% at step %lld\n",
                100 * s.best_val_acc, static_cast<long long>(s.best_step));
    std::printf("test accuracy: soft weights %.2f%%, hard-quantized weights %.2f%%\n",
                100 * s.test_acc_soft, 100 * s.test_acc_hard);
    std::printf("training throughput: %.0f images/s over %.1f s; summary in %s/summary.json\n",
                s.images_per_s, s.train_seconds, out_dir_.c_str());
    if (ex_.train_loader->skipped() > 0)
        std::printf("note: %lld unreadable images were skipped\n",
                    static_cast<long long>(ex_.train_loader->skipped()));
    return s;
}

}  // namespace mdq
