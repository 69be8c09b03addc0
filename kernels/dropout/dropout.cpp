#include "kernels/dropout/dropout.h"

#include "core/autograd.h"
#include "kernels/common/dispatch.h"
#include "kernels/common/grid_cpu.h"
#include "kernels/dropout/dropout_impl.h"

namespace mdq {

namespace {

// The gradient goes through the same mask, recomputed from its Philox coordinates.
class DropoutNode final : public Node {
  public:
    explicit DropoutNode(const DropoutMask& mask) : mask_(mask) {}
    const char* name() const override { return "dropout"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        const Tensor dy = g[0].contiguous();
        Tensor dx = Tensor::empty(dy.shape(), dy.dtype(), dy.device());
        dropout_apply_into(dy, mask_, dx);
        return {dx};
    }

  private:
    DropoutMask mask_;
};

}  // namespace

void dropout_apply_into(const Tensor& x, const DropoutMask& mask, const Tensor& y) {
    const char* op = "dropout";
    check_defined(op, x);
    check_defined(op, y);
    check_same_device(op, x, y);
    check_same_dtype(op, x, y);
    MDQ_CHECK(is_floating(x.dtype()), op, ": needs a floating tensor, got ", x.str());
    MDQ_CHECK(x.shape() == y.shape() && x.is_contiguous() && y.is_contiguous(), op,
              ": needs contiguous tensors of one shape, got ", x.str(), " and ", y.str());
    MDQ_CHECK(mask.p >= 0.0 && mask.p < 1.0, op, ": p must be in [0, 1), got ", mask.p);
    if (x.numel() == 0) return;
    if (x.is_cuda()) {
        MDQ_ON_CUDA(op, cuda::dropout_apply(x, mask, y));
        return;
    }
    launch_dropout_apply<cpu::Runner>(x, mask, y);
}

Tensor dropout(const Tensor& x, double p, bool training, Generator* gen) {
    check_defined("dropout", x);
    MDQ_CHECK(p >= 0.0 && p < 1.0, "dropout: p must be in [0, 1), got ", p);
    if (!training || p == 0.0) return x;
    Generator& g = gen ? *gen : default_generator();
    DropoutMask mask;
    mask.seed = g.seed();
    mask.stream = g.stream();
    mask.first_block = g.reserve(static_cast<uint64_t>((x.numel() + 3) / 4));
    mask.p = p;
    const Tensor xc = x.contiguous();
    Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
    dropout_apply_into(xc, mask, y);
    if (any_requires_grad({x})) connect(std::make_shared<DropoutNode>(mask), {x}, {y});
    return y;
}

}  // namespace mdq
