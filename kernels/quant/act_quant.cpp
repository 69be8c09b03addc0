#include "kernels/quant/act_quant.h"

#include "core/autograd.h"
#include "kernels/channel/channel.h"
#include "kernels/common/grid_cpu.h"
#include "kernels/quant/act_quant_impl.h"
#include "kernels/reduce/reduce.h"

namespace mdq {

namespace {

constexpr const char* kOp = "act_quantize";

// Which ends a kind learns: Uniform its clip alpha (hi), EWGS both, DoReFa none.
bool takes_lo(ActQuantKind k) {
    return k == ActQuantKind::Ewgs;
}
bool takes_hi(ActQuantKind k) {
    return k != ActQuantKind::DoReFa;
}

void check_end(const Tensor& t, bool wanted, const char* which, const ActQuantOptions& o,
               const Tensor& x) {
    MDQ_CHECK(t.defined() == wanted, kOp, ": ", act_quant_kind_name(o.kind),
              wanted ? " needs a " : " takes no ", which);
    if (!wanted) return;
    MDQ_CHECK(t.numel() == 1 && t.dtype() == stat_dtype(x.dtype()) && t.device() == x.device(), kOp,
              ": ", which, " must be one element of ", dtype_name(stat_dtype(x.dtype())), " on ",
              x.device().str(), ", got ", t.str());
}

void check_args(const Tensor& x, const Tensor& lo, const Tensor& hi, const ActQuantOptions& o) {
    check_defined(kOp, x);
    MDQ_CHECK(is_floating(x.dtype()) && x.is_contiguous(), kOp,
              ": needs a contiguous floating tensor, got ", x.str());
    MDQ_CHECK(o.levels >= 2 && o.levels <= 65536, kOp, ": levels must be in [2, 65536] (1 to 16 ",
              "bits), got ", o.levels);
    MDQ_CHECK(o.delta >= 0.0, kOp, ": the EWGS delta must be >= 0, got ", o.delta);
    check_end(lo, takes_lo(o.kind), "lower end l", o, x);
    check_end(hi, takes_hi(o.kind), o.kind == ActQuantKind::Uniform ? "clip alpha" : "upper end u",
              o, x);
}

void check_like(const Tensor& x, const Tensor& t) {
    check_defined(kOp, t);
    check_same_device(kOp, x, t);
    check_same_dtype(kOp, x, t);
    MDQ_CHECK(t.shape() == x.shape() && t.is_contiguous(), kOp, ": expected a contiguous ",
              x.shape(), " tensor, got ", t.str());
}

void check_terms(const Tensor& x, const Tensor& t) {
    if (!t.defined()) return;
    MDQ_CHECK(t.numel() == x.numel() && t.is_contiguous() && t.dtype() == stat_dtype(x.dtype()) &&
                  t.device() == x.device(),
              kOp, ": gradient terms must be ", x.numel(), " contiguous elements of ",
              dtype_name(stat_dtype(x.dtype())), ", got ", t.str());
}

class ActQuantNode final : public Node {
  public:
    ActQuantNode(Tensor x, Tensor lo, Tensor hi, const ActQuantOptions& o)
        : x_(std::move(x)), lo_(std::move(lo)), hi_(std::move(hi)), o_(o) {}
    const char* name() const override { return kOp; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        const Tensor dy = g[0].contiguous();
        Tensor dx = Tensor::empty(x_.shape(), x_.dtype(), x_.device());
        const DType st = stat_dtype(x_.dtype());
        const bool want_lo = next_edges[1].valid(), want_hi = next_edges[2].valid();
        Tensor lo_terms = want_lo ? Tensor::empty({x_.numel()}, st, x_.device()) : Tensor();
        Tensor hi_terms = want_hi ? Tensor::empty({x_.numel()}, st, x_.device()) : Tensor();
        act_quant_backward_into(x_, lo_, hi_, o_, dy, dx, lo_terms, hi_terms);
        return {dx, want_lo ? sum(lo_terms).reshape(lo_.shape()) : Tensor(),
                want_hi ? sum(hi_terms).reshape(hi_.shape()) : Tensor()};
    }
    void release_saved() override {
        x_ = lo_ = hi_ = Tensor();
        released = true;
    }

  private:
    Tensor x_, lo_, hi_;
    ActQuantOptions o_;
};

}  // namespace

const char* act_quant_kind_name(ActQuantKind k) {
    switch (k) {
        case ActQuantKind::DoReFa:
            return "dorefa";
        case ActQuantKind::Uniform:
            return "uniform";
        case ActQuantKind::Ewgs:
            return "ewgs";
    }
    return "?";
}

void act_quant_forward_into(const Tensor& x, const Tensor& lo, const Tensor& hi,
                            const ActQuantOptions& o, const Tensor& y) {
    check_args(x, lo, hi, o);
    check_like(x, y);
    if (x.numel() == 0) return;
    if (x.is_cuda()) {
        MDQ_ON_CUDA(kOp, cuda::act_quant_forward(x, lo, hi, o, y));
        return;
    }
    launch_act_quant_forward<cpu::Runner>(x, lo, hi, o, y);
}

void act_quant_backward_into(const Tensor& x, const Tensor& lo, const Tensor& hi,
                             const ActQuantOptions& o, const Tensor& dy, const Tensor& dx,
                             const Tensor& dlo_terms, const Tensor& dhi_terms) {
    check_args(x, lo, hi, o);
    check_like(x, dy);
    check_like(x, dx);
    check_terms(x, dlo_terms);
    check_terms(x, dhi_terms);
    if (x.numel() == 0) return;
    if (x.is_cuda()) {
        MDQ_ON_CUDA(kOp, cuda::act_quant_backward(x, lo, hi, o, dy, dx, dlo_terms, dhi_terms));
        return;
    }
    launch_act_quant_backward<cpu::Runner>(x, lo, hi, o, dy, dx, dlo_terms, dhi_terms);
}

Tensor act_quantize(const Tensor& x, const Tensor& lo, const Tensor& hi, const ActQuantOptions& o) {
    check_defined(kOp, x);
    const Tensor xc = x.detach().contiguous();
    const Tensor l = lo.defined() ? lo.detach() : Tensor(),
                 h = hi.defined() ? hi.detach() : Tensor();
    Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
    act_quant_forward_into(xc, l, h, o, y);
    if (any_requires_grad({x, lo, hi}))
        connect(std::make_shared<ActQuantNode>(saved(xc), l, h, o), {x, lo, hi}, {y});
    return y;
}

}  // namespace mdq
