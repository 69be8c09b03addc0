#include "layers/precision.h"

#include "core/autograd.h"

namespace mdq {

namespace {

// The compute copy is produced by the optimizer, outside autograd; this node hands its
// gradient to the f32 parameter it was made from.
class ComputeCopyBackward final : public Node {
  public:
    explicit ComputeCopyBackward(DType leaf) : leaf_(leaf) {}
    const char* name() const override { return "ComputeCopyBackward"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {g[0].to(leaf_)}; }

  private:
    DType leaf_;
};

}  // namespace

DType layer_compute_dtype(const Module& m, const Tensor& x) {
    if (m.compute_dtype() == DType::BF16 && x.is_cuda()) return DType::BF16;
    return x.dtype() == DType::F64 ? DType::F64 : DType::F32;
}

Tensor compute_weight(const Parameter& p, DType dt) {
    const Tensor& v = p.value;
    if (v.dtype() == dt) return v;
    const Tensor& c = p.compute;
    if (c.defined() && c.dtype() == dt && c.device() == v.device() && c.shape() == v.shape()) {
        Tensor w = c.detach();
        if (any_requires_grad({v}))
            connect(std::make_shared<ComputeCopyBackward>(v.dtype()), {v}, {w});
        return w;
    }
    return v.to(dt);
}

}  // namespace mdq
