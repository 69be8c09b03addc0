#include "kernels/matmul/matmul.h"

#include "core/autograd.h"
#include "kernels/common/dispatch.h"
#include "kernels/elementwise/binary.h"
#include "kernels/reduce/reduce.h"

namespace mdq {

namespace {

const char* transposed(bool t) {
    return t ? " (transposed)" : "";
}

// Checks a and b and returns the product's shape.
Shape product_shape(const Tensor& a, const Tensor& b, bool ta, bool tb) {
    check_defined("matmul", a);
    check_defined("matmul", b);
    check_same_device("matmul", a, b);
    check_same_dtype("matmul", a, b);
    MDQ_CHECK(is_floating(a.dtype()), "matmul: needs floating tensors, got ", a.str(), " and ",
              b.str());
    MDQ_CHECK((a.dim() == 2 || a.dim() == 3) && (b.dim() == 2 || b.dim() == 3),
              "matmul: needs 2-D or 3-D tensors, got ", a.str(), " and ", b.str());
    const int64_t m = a.size(ta ? -1 : -2), ka = a.size(ta ? -2 : -1);
    const int64_t kb = b.size(tb ? -1 : -2), n = b.size(tb ? -2 : -1);
    MDQ_CHECK(ka == kb, "matmul: inner sizes differ: ", a.str(), transposed(ta), " and ", b.str(),
              transposed(tb), " (", ka, " vs ", kb, ")");
    MDQ_CHECK(a.dim() == 2 || b.dim() == 2 || a.size(0) == b.size(0),
              "matmul: batch sizes differ: ", a.str(), " and ", b.str());
    if (a.dim() == 2 && b.dim() == 2) return {m, n};
    return {a.dim() == 3 ? a.size(0) : b.size(0), m, n};
}

// A gradient computed per batch entry for an operand that was broadcast over the batch.
Tensor sum_broadcast_batch(const Tensor& g, const Tensor& operand) {
    return g.dim() > operand.dim() ? sum(g, {0}) : g;
}

// C = op(A) op(B):  d op(A) = dC op(B)ᵀ,  d op(B) = op(A)ᵀ dC, written back through the
// transposes so every gradient is again one matmul.
class MatmulBackward final : public Node {
  public:
    MatmulBackward(Tensor a, Tensor b, bool ta, bool tb)
        : a_(std::move(a)), b_(std::move(b)), ta_(ta), tb_(tb) {}
    const char* name() const override { return "matmul"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        const Tensor& dc = g[0];
        std::vector<Tensor> out(2);
        if (next_edges[0].valid()) {
            const Tensor da = ta_ ? matmul(b_, dc, tb_, true) : matmul(dc, b_, false, !tb_);
            out[0] = sum_broadcast_batch(da, a_);
        }
        if (next_edges[1].valid()) {
            const Tensor db = tb_ ? matmul(dc, a_, true, ta_) : matmul(a_, dc, !ta_, false);
            out[1] = sum_broadcast_batch(db, b_);
        }
        return out;
    }
    void release_saved() override {
        a_ = b_ = Tensor();
        released = true;
    }

  private:
    Tensor a_, b_;
    bool ta_, tb_;
};

}  // namespace

void matmul_into(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b, const Tensor& out) {
    const Shape shape = product_shape(a, b, trans_a, trans_b);
    check_defined("matmul", out);
    MDQ_CHECK(out.shape() == shape, "matmul: output shape ", out.shape(), " but ", a.str(),
              transposed(trans_a), " and ", b.str(), transposed(trans_b), " give ", shape);
    check_same_dtype("matmul", a, out);
    check_same_device("matmul", a, out);
    MDQ_CHECK(out.is_contiguous(), "matmul: the output must be contiguous, got ", out.str(),
              " with strides ", out.strides());
    if (out.numel() == 0) return;
    if (a.size(trans_a ? -2 : -1) == 0) {  // k = 0: a sum of nothing
        out.detach().zero_();
        return;
    }
    if (a.is_cuda()) {
        MDQ_ON_CUDA("matmul", cuda::matmul(a, b, trans_a, trans_b, out));
        return;
    }
    cpu::matmul(a, b, trans_a, trans_b, out);
}

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
    const Shape shape = product_shape(a, b, trans_a, trans_b);
    if (a.dim() == 3 && b.dim() == 2 && !trans_a) {
        // The batch folds into the rows: one GEMM, and b's gradient needs no batch sum.
        const Tensor rows = a.reshape({a.size(0) * a.size(1), a.size(2)});
        return matmul(rows, b, false, trans_b).reshape(shape);
    }
    Tensor out = Tensor::empty(shape, a.dtype(), a.device());
    matmul_into(a, b, trans_a, trans_b, out);
    if (any_requires_grad({a, b}))
        connect(std::make_shared<MatmulBackward>(saved(a), saved(b), trans_a, trans_b), {a, b},
                {out});
    return out;
}

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias) {
    check_defined("linear", x);
    check_defined("linear", w);
    MDQ_CHECK(w.dim() == 2, "linear: the weight must be [out, in], got ", w.str());
    MDQ_CHECK(x.dim() >= 1 && x.size(-1) == w.size(1), "linear: input ", x.str(),
              " does not end in the weight's in = ", w.size(1), " (weight ", w.str(), ")");
    Shape lead(x.shape().begin(), x.shape().end() - 1);
    Tensor y = matmul(x.reshape({numel(lead), w.size(1)}), w, false, true);
    lead.push_back(w.size(0));
    y = y.reshape(lead);
    if (!bias.defined()) return y;
    MDQ_CHECK(bias.dim() == 1 && bias.size(0) == w.size(0), "linear: bias ", bias.str(),
              " does not match the weight ", w.str());
    return y + bias;
}

}  // namespace mdq
