#include "optim/train/evaluate.h"

#include "kernels/ops.h"

namespace mdq {

EvalResult evaluate(Module& model, data::Loader& loader, int64_t epoch, int64_t max_batches) {
    NoGradGuard no_grad;
    const bool was_training = model.is_training();
    model.eval();
    const Device dev = loader.options().device;
    Tensor loss_sum = Tensor::zeros({}, DType::F64, dev);
    Tensor correct = Tensor::zeros({}, DType::I64, dev);
    int64_t count = 0;
    loader.start_epoch(epoch);
    int64_t batches = 0;
    while (max_batches == 0 || batches++ < max_batches) {
        const std::optional<data::Batch> b = loader.next();
        if (!b) break;
        const Tensor logits = model(b->images).to(DType::F32);
        add_(loss_sum, cross_entropy(logits, b->labels, Reduction::Sum).to(DType::F64));
        add_(correct, accuracy_count(logits, b->labels));
        count += b->labels.numel();
    }
    model.train(was_training);
    EvalResult r;
    r.count = count;
    if (count > 0) {
        r.loss = loss_sum.item<double>() / static_cast<double>(count);
        r.acc = static_cast<double>(correct.item<int64_t>()) / static_cast<double>(count);
    }
    return r;
}

}  // namespace mdq
