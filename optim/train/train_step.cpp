#include "optim/train/train_step.h"

#include "core/generator.h"
#include "kernels/ops.h"
#include "optim/train/step_profiler.h"

namespace mdq {

TrainStepOptions train_step_options_from(const Config& cfg) {
    TrainStepOptions o;
    o.cuda_graph = cfg.get_bool("cuda_graph");
    return o;
}

TrainStep::TrainStep(Experiment& ex, const TrainStepOptions& options) : ex_(ex) {
    loss_sum_ = Tensor::zeros({}, DType::F64, ex.device);
    correct_sum_ = Tensor::zeros({}, DType::I64, ex.device);
    if (!options.cuda_graph) return;
    MDQ_CHECK(ex.device.is_cuda(), "cuda_graph: needs a CUDA device, the run is on ",
              ex.device.str());
    MDQ_CHECK(!ex.dp, "cuda_graph: not with data-parallel training yet (the gradient all-reduce ",
              "and its hooks are not captured); set cuda_graph=false");
    MDQ_CHECK(!ex.bsq && !ex.prune,
              "cuda_graph: not with method=bsq or prune=taylor (their state changes shape or is "
              "read on the host); set cuda_graph=false");
    std::string why;
    for (const QuantOptimizer* o : {ex.opt.get(), ex.qopt.get()})
        MDQ_CHECK(!o || o->replayable(&why),
                  "cuda_graph: the optimizer step cannot be replayed: ", why,
                  "; set cuda_graph=false");
    graph_ = std::make_unique<Graph>(options.eager_steps);
}

void TrainStep::run(const Tensor& images, const Tensor& labels) {
    check_defined("TrainStep::run", images);
    check_defined("TrainStep::run", labels);
    if (graph_) {
        run_graphed(images, labels);
    } else {
        step(images, labels);
    }
    steps_ += 1;
    images_ += labels.numel();
}

void TrainStep::step(const Tensor& images, const Tensor& labels) {
    ex_.arena->zero_grad();
    const Tensor logits = (*ex_.model)(images).to(DType::F32);
    const Tensor loss = cross_entropy(logits, labels);
    if (ex_.dp) ex_.dp->start_step();
    loss.backward();
    if (ex_.dp) ex_.dp->finish();
    StepProfiler* const profiler = StepProfiler::active();
    if (profiler) profiler->begin(StepPart::Optimizer);
    if (ex_.bsq) {
        ex_.bsq->step();
    } else {
        ex_.opt->step();
    }
    if (ex_.qopt) ex_.qopt->step();
    if (profiler) profiler->end();
    if (ex_.prune) ex_.prune->after_step();
    NoGradGuard no_grad;
    add_(loss_sum_, loss.detach().to(DType::F64));
    add_(correct_sum_, accuracy_count(logits.detach(), labels));
}

void TrainStep::run_graphed(const Tensor& images, const Tensor& labels) {
    Graph& g = *graph_;
    switch (g.policy.next(images.shape(), labels.shape(), fingerprint())) {
        case StepGraphPolicy::Action::Eager:
            step(images, labels);
            return;
        case StepGraphPolicy::Action::Capture:
            capture(images, labels);  // counts as this step on the host
            g.graph.replay();
            return;
        case StepGraphPolicy::Action::Replay:
            g.images.copy_(images);
            g.labels.copy_(labels);
            g.graph.replay();
            ex_.opt->count_replayed_step();
            if (ex_.qopt) ex_.qopt->count_replayed_step();
            return;
    }
}

void TrainStep::capture(const Tensor& images, const Tensor& labels) {
    Graph& g = *graph_;
    // Made before the capture, so every replay reads the same addresses.
    if (!g.images.defined() || g.images.shape() != images.shape()) {
        g.images = Tensor::empty(images.shape(), images.dtype(), ex_.device);
        g.labels = Tensor::empty(labels.shape(), labels.dtype(), ex_.device);
    }
    g.images.copy_(images);
    g.labels.copy_(labels);
    const uint64_t rng = default_generator().offset();
    g.graph.capture(current_stream(ex_.device), [&] { step(g.images, g.labels); });
    MDQ_CHECK(default_generator().offset() == rng,
              "cuda_graph: the training step draws random numbers on the host (dropout?), so "
              "every replay would draw the same ones; set cuda_graph=false for this model");
    g.policy.captured(images.shape(), labels.shape(), fingerprint());
}

// What the captured kernels read that could move between steps: the parameter arena, the
// optimizer's launch tables and control block, and the model's mode.
std::vector<uintptr_t> TrainStep::fingerprint() const {
    const auto addr = [](const Tensor& t) {
        return t.defined() ? reinterpret_cast<uintptr_t>(t.raw_data()) : uintptr_t{0};
    };
    std::vector<uintptr_t> f = {addr(ex_.arena->values()), addr(ex_.arena->grads()),
                                addr(ex_.arena->compute_values()),
                                ex_.model->is_training() ? uintptr_t{1} : uintptr_t{0}};
    for (const QuantOptimizer* o : {ex_.opt.get(), ex_.qopt.get()}) {
        if (!o) continue;
        const MdStepLaunch& l = o->launch();
        f.insert(f.end(),
                 {reinterpret_cast<uintptr_t>(l.params), reinterpret_cast<uintptr_t>(l.chunks),
                  reinterpret_cast<uintptr_t>(l.ctrl)});
    }
    return f;
}

void TrainStep::reset() {
    loss_sum_.zero_();
    correct_sum_.zero_();
    steps_ = images_ = 0;
}

}  // namespace mdq
