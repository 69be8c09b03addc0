#include "kernels/norm/batch_norm.h"

#include "core/autograd.h"
#include "kernels/channel/channel.h"
#include "kernels/common/dispatch.h"
#include "kernels/common/grid_cpu.h"
#include "kernels/elementwise/binary.h"
#include "kernels/norm/batch_norm_impl.h"

namespace mdq {

namespace {

const char* kOp = "batch_norm";

void check_channel_param(const Tensor& x, const Tensor& p, const char* what) {
    if (!p.defined()) return;
    const DType sdt = stat_dtype(x.dtype());
    check_same_device(kOp, x, p);
    MDQ_CHECK(p.shape() == Shape{x.size(-1)} && p.dtype() == sdt && p.is_contiguous(), kOp, ": ",
              what, " must be contiguous ", dtype_name(sdt), "[", x.size(-1), "] for input ",
              x.str(), ", got ", p.str());
}

void check_input(const Tensor& x) {
    check_defined(kOp, x);
    MDQ_CHECK(is_floating(x.dtype()), kOp, ": needs a floating input, got ", x.str());
    MDQ_CHECK(x.dim() >= 2, kOp, ": input must be [N, C] or [N, H, W, C] (channels last), got ",
              x.shape());
    MDQ_CHECK(x.size(-1) > 0, kOp, ": input ", x.shape(), " has no channels");
}

void check_batch(const Tensor& x, bool batch_stats) {
    MDQ_CHECK(!batch_stats || x.numel() / x.size(-1) > 1, kOp,
              ": batch statistics need more than one value per channel, got input ", x.shape());
}

class BatchNormNode final : public Node {
  public:
    BatchNormNode(Tensor x, Tensor weight, Tensor mean, Tensor invstd, bool batch_stats)
        : x_(std::move(x)),
          weight_(std::move(weight)),
          mean_(std::move(mean)),
          invstd_(std::move(invstd)),
          batch_stats_(batch_stats) {}
    const char* name() const override { return "batch_norm"; }

    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        const Tensor dy = g[0].contiguous();
        const int64_t c = x_.size(-1);
        Tensor sums = Tensor::empty({2, c}, mean_.dtype(), x_.device());
        Tensor dx =
            next_edges[0].valid() ? Tensor::empty(x_.shape(), x_.dtype(), x_.device()) : Tensor();
        batch_norm_backward_into(x_, dy, weight_, mean_, invstd_, batch_stats_, dx, sums);
        std::vector<Tensor> out(3);
        out[0] = dx;
        if (next_edges[1].valid()) out[1] = sums.select(0, 1) * invstd_;
        if (next_edges[2].valid()) out[2] = sums.select(0, 0).contiguous();
        return out;
    }
    void release_saved() override {
        x_ = weight_ = mean_ = invstd_ = Tensor();
        released = true;
    }

  private:
    Tensor x_, weight_, mean_, invstd_;
    bool batch_stats_;
};

}  // namespace

void batch_norm_forward_into(const Tensor& x, const Tensor& weight, const Tensor& bias,
                             const Tensor& running_mean, const Tensor& running_var,
                             bool batch_stats, double momentum, double eps, const Tensor& y,
                             const Tensor& mean, const Tensor& invstd) {
    check_input(x);
    MDQ_CHECK(x.is_contiguous(), kOp, ": needs a contiguous input, got strides ", x.strides());
    check_defined(kOp, y);
    check_same_device(kOp, x, y);
    check_same_dtype(kOp, x, y);
    MDQ_CHECK(y.shape() == x.shape() && y.is_contiguous(), kOp, ": output ", y.str(), " for input ",
              x.str());
    check_channel_param(x, weight, "weight");
    check_channel_param(x, bias, "bias");
    check_channel_param(x, running_mean, "running_mean");
    check_channel_param(x, running_var, "running_var");
    MDQ_CHECK(running_mean.defined() == running_var.defined(), kOp,
              ": running_mean and running_var must both be given or both be omitted");
    MDQ_CHECK(batch_stats || running_mean.defined(), kOp,
              ": normalising with running statistics needs running_mean and running_var");
    check_defined(kOp, mean);
    check_defined(kOp, invstd);
    check_channel_param(x, mean, "mean");
    check_channel_param(x, invstd, "invstd");
    check_batch(x, batch_stats);
    MDQ_CHECK(eps > 0 && momentum >= 0 && momentum <= 1, kOp, ": needs eps > 0 and momentum in ",
              "[0, 1], got eps ", eps, ", momentum ", momentum);
    const BatchNormForward a{x,        weight, bias, running_mean, running_var, batch_stats,
                             momentum, eps,    y,    mean,         invstd};
    if (x.is_cuda()) {
        MDQ_ON_CUDA(kOp, cuda::batch_norm_forward(a));
        return;
    }
    launch_batch_norm_forward<cpu::Runner, true>(a);
}

void batch_norm_backward_into(const Tensor& x, const Tensor& dy, const Tensor& weight,
                              const Tensor& mean, const Tensor& invstd, bool batch_stats,
                              const Tensor& dx, const Tensor& sums) {
    check_input(x);
    check_defined(kOp, dy);
    for (const Tensor* t : {&x, &dy, &dx}) {
        if (!t->defined()) continue;
        check_same_device(kOp, x, *t);
        check_same_dtype(kOp, x, *t);
        MDQ_CHECK(t->shape() == x.shape() && t->is_contiguous(), kOp,
                  ": backward needs contiguous tensors of the input's shape ", x.shape(), ", got ",
                  t->str());
    }
    check_channel_param(x, weight, "weight");
    check_defined(kOp, mean);
    check_defined(kOp, invstd);
    check_channel_param(x, mean, "mean");
    check_channel_param(x, invstd, "invstd");
    check_defined(kOp, sums);
    MDQ_CHECK(sums.shape() == (Shape{2, x.size(-1)}) && sums.dtype() == mean.dtype() &&
                  sums.is_contiguous(),
              kOp, ": sums must be contiguous ", dtype_name(mean.dtype()), "[2, ", x.size(-1),
              "], got ", sums.str());
    const BatchNormBackward a{x, dy, weight, mean, invstd, batch_stats, dx, sums};
    if (x.is_cuda()) {
        MDQ_ON_CUDA(kOp, cuda::batch_norm_backward(a));
        return;
    }
    launch_batch_norm_backward<cpu::Runner, true>(a);
}

Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                  const Tensor& running_mean, const Tensor& running_var, bool training,
                  double momentum, double eps) {
    check_input(x);
    const bool batch_stats = training || !running_mean.defined();
    const Tensor xc = x.contiguous();
    const int64_t c = x.size(-1);
    const DType sdt = stat_dtype(x.dtype());
    Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
    Tensor mean = Tensor::empty({c}, sdt, x.device()), invstd = Tensor::empty({c}, sdt, x.device());
    batch_norm_forward_into(xc, weight, bias, running_mean, running_var, batch_stats, momentum, eps,
                            y, mean, invstd);
    if (any_requires_grad({x, weight, bias})) {
        auto node =
            std::make_shared<BatchNormNode>(saved(xc), saved(weight), mean, invstd, batch_stats);
        connect(node, {x, weight, bias}, {y});
    }
    return y;
}

}  // namespace mdq
