#include "kernels/quant/grad_quant.h"

#include "core/autograd.h"
#include "kernels/common/dispatch.h"
#include "kernels/common/row_pass_cpu.h"
#include "kernels/quant/grad_quant_impl.h"

namespace mdq {

namespace {

constexpr const char* kOp = "grad_quantize";

void check_bits(int bits) {
    MDQ_CHECK(bits >= 1 && bits <= 16, kOp, ": bits must be in [1, 16], got ", bits);
}

class GradQuantNode final : public Node {
  public:
    GradQuantNode(int bits, const GradQuantNoise& noise) : bits_(bits), noise_(noise) {}
    const char* name() const override { return kOp; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        const Tensor dy = g[0].contiguous();
        Tensor dx = Tensor::empty(dy.shape(), dy.dtype(), dy.device());
        grad_quant_into(dy, bits_, noise_, dx);
        return {dx};
    }

  private:
    int bits_;
    GradQuantNoise noise_;
};

}  // namespace

void grad_quant_into(const Tensor& dy, int bits, const GradQuantNoise& noise, const Tensor& dx) {
    check_bits(bits);
    check_defined(kOp, dy);
    check_defined(kOp, dx);
    check_same_device(kOp, dy, dx);
    check_same_dtype(kOp, dy, dx);
    MDQ_CHECK(is_floating(dy.dtype()) && dy.dim() >= 1, kOp,
              ": needs a floating tensor with a batch dim, got ", dy.str());
    MDQ_CHECK(dy.shape() == dx.shape() && dy.is_contiguous() && dx.is_contiguous(), kOp,
              ": needs contiguous tensors of one shape, got ", dy.str(), " and ", dx.str());
    if (dy.numel() == 0) return;
    const int levels = 1 << bits;
    if (dy.is_cuda()) {
        MDQ_ON_CUDA(kOp, cuda::grad_quant(dy, levels, noise, dx));
        return;
    }
    launch_grad_quant<cpu::RowPassRunner>(dy, levels, noise, dx);
}

Tensor grad_quantize(const Tensor& x, int bits, Generator* gen) {
    check_defined(kOp, x);
    check_bits(bits);
    MDQ_CHECK(x.dim() >= 1, kOp, ": needs a batch dim, got ", x.str());
    if (!any_requires_grad({x})) return x;
    Generator& g = gen ? *gen : default_generator();
    GradQuantNoise noise{g.seed(), g.stream(),
                         g.reserve(static_cast<uint64_t>((x.numel() + 3) / 4))};
    Tensor y = x.detach();  // same storage: the forward is the identity
    connect(std::make_shared<GradQuantNode>(bits, noise), {x}, {y});
    return y;
}

}  // namespace mdq
