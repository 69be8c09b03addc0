#include "optim/train_step.h"

#include "kernels/ops.h"

namespace mdq {

TrainStep::TrainStep(Experiment& ex) : ex_(ex) {
    loss_sum_ = Tensor::zeros({}, DType::F64, ex.device);
    correct_sum_ = Tensor::zeros({}, DType::I64, ex.device);
}

void TrainStep::run(const Tensor& images, const Tensor& labels) {
    ex_.arena->zero_grad();
    const Tensor logits = (*ex_.model)(images).to(DType::F32);
    const Tensor loss = cross_entropy(logits, labels);
    if (ex_.dp) ex_.dp->start_step();
    loss.backward();
    if (ex_.dp) ex_.dp->finish();
    ex_.opt->step();
    NoGradGuard no_grad;
    add_(loss_sum_, loss.detach().to(DType::F64));
    add_(correct_sum_, accuracy_count(logits.detach(), labels));
    steps_ += 1;
    images_ += labels.numel();
}

void TrainStep::reset() {
    loss_sum_.zero_();
    correct_sum_.zero_();
    steps_ = images_ = 0;
}

}  // namespace mdq
