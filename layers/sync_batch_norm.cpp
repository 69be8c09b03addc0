#include "layers/sync_batch_norm.h"

#include "core/autograd.h"
#include "kernels/ops.h"

namespace mdq {

namespace {

// Outputs the global mean and biased variance [C] of x's channels. Gradients reaching them on
// every rank are summed over the ranks (each rank's loss depends on the shared statistics):
//   dx = (sum_r dmean_r + 2 (x - mean) sum_r dvar_r) / n
// (the variance's dependence through the mean vanishes since the centred values sum to 0).
class SyncBatchNormStats final : public Node {
  public:
    SyncBatchNormStats(std::shared_ptr<comm::Communicator> comm, const Tensor& x,
                       const Tensor& mean, const Tensor& count)
        : comm_(std::move(comm)), x_(saved(x)), mean_(saved(mean)), count_(saved(count)) {}
    const char* name() const override { return "SyncBatchNormStats"; }

    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const int64_t c = mean_.numel();
        Tensor packed = Tensor::zeros({2, c}, x_.dtype(), x_.device());
        if (grads[0].defined()) packed.select(0, 0).copy_(grads[0]);
        if (grads[1].defined()) packed.select(0, 1).copy_(grads[1]);
        comm_->all_reduce_in_stream(packed, comm::AllReduceOp::Sum);
        const Tensor dmean = packed.select(0, 0), dvar = packed.select(0, 1);
        return {(dmean + (x_ - mean_) * (dvar * 2.0)) / count_};
    }

    void release_saved() override {
        x_ = mean_ = count_ = Tensor();
        released = true;
    }

  private:
    std::shared_ptr<comm::Communicator> comm_;
    Tensor x_, mean_, count_;
};

void check_channel_tensor(const char* what, const Tensor& t, const Tensor& x) {
    if (!t.defined()) return;
    MDQ_CHECK(t.dim() == 1 && t.size(0) == x.size(-1) && t.dtype() == x.dtype() &&
                  t.device() == x.device(),
              "sync_batch_norm: ", what, " must be [", x.size(-1), "] ", dtype_name(x.dtype()),
              " on ", x.device().str(), ", got ", t.str());
}

}  // namespace

Tensor sync_batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                       const Tensor& running_mean, const Tensor& running_var, double momentum,
                       double eps, const std::shared_ptr<comm::Communicator>& comm) {
    check_defined("sync_batch_norm", x);
    MDQ_CHECK(comm != nullptr, "sync_batch_norm: the communicator is null");
    MDQ_CHECK(x.dim() >= 2 && (x.dtype() == DType::F32 || x.dtype() == DType::F64),
              "sync_batch_norm: x must be channels-last f32 or f64 with a batch dim, got ",
              x.str());
    MDQ_CHECK(x.device() == comm->device(), "sync_batch_norm: x is on ", x.device().str(),
              " but the communicator works on ", comm->device().str());
    MDQ_CHECK(eps > 0 && momentum >= 0 && momentum <= 1, "sync_batch_norm: needs eps > 0 and ",
              "momentum in [0, 1], got eps ", eps, ", momentum ", momentum);
    check_channel_tensor("weight", weight, x);
    check_channel_tensor("bias", bias, x);
    check_channel_tensor("running_mean", running_mean, x);
    check_channel_tensor("running_var", running_var, x);
    const int64_t c = x.size(-1);
    std::vector<int64_t> dims;
    for (int64_t d = 0; d + 1 < x.dim(); ++d)
        dims.push_back(d);

    Tensor mean, var, count;
    {
        NoGradGuard no_grad;
        const Tensor xd = x.detach();
        // Pass 1: per-channel sums and the example count (so shards may differ in size).
        Tensor sums = Tensor::empty({c + 1}, x.dtype(), x.device());
        sums.slice(0, 0, c).copy_(sum(xd, dims));
        sums.slice(0, c, c + 1).fill_(static_cast<double>(xd.numel() / c));
        comm->all_reduce_in_stream(sums, comm::AllReduceOp::Sum);
        count = sums.slice(0, c, c + 1).clone();
        mean = sums.slice(0, 0, c) / count;
        // Pass 2: centred sums of squares.
        Tensor sq = sum(pow(xd - mean, 2.0), dims).contiguous();
        comm->all_reduce_in_stream(sq, comm::AllReduceOp::Sum);
        var = sq / count;
        if (running_mean.defined())
            Tensor(running_mean).copy_(running_mean * (1 - momentum) + mean * momentum);
        if (running_var.defined()) {
            const Tensor unbiased = var * count / (count - 1.0);
            Tensor(running_var).copy_(running_var * (1 - momentum) + unbiased * momentum);
        }
    }
    if (any_requires_grad({x})) {
        auto node = std::make_shared<SyncBatchNormStats>(comm, x, mean, count);
        connect(node, {x}, {mean, var});
    }
    Tensor y = (x - mean) * pow(add_scalar(var, eps), -0.5);
    if (weight.defined()) y = y * weight;
    if (bias.defined()) y = y + bias;
    return y;
}

}  // namespace mdq
