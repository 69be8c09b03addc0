#include "kernels/elementwise/binary.h"

#include "core/autograd.h"
#include "kernels/common/dispatch.h"
#include "kernels/common/grid_cpu.h"
#include "kernels/elementwise/binary_impl.h"
#include "kernels/elementwise/unary.h"
#include "kernels/reduce/reduce.h"

namespace mdq {

const char* binary_op_name(BinaryOp op) {
    switch (op) {
        case BinaryOp::Add:
            return "add";
        case BinaryOp::Sub:
            return "sub";
        case BinaryOp::Mul:
            return "mul";
        case BinaryOp::Div:
            return "div";
        case BinaryOp::Maximum:
            return "maximum";
        case BinaryOp::Minimum:
            return "minimum";
    }
    return "binary";
}

const char* compare_op_name(CompareOp op) {
    switch (op) {
        case CompareOp::Eq:
            return "eq";
        case CompareOp::Ne:
            return "ne";
        case CompareOp::Lt:
            return "lt";
        case CompareOp::Le:
            return "le";
        case CompareOp::Gt:
            return "gt";
        case CompareOp::Ge:
            return "ge";
    }
    return "compare";
}

namespace {

void check_pair(const char* name, const Tensor& a, const Tensor& b) {
    check_defined(name, a);
    check_defined(name, b);
    check_same_device(name, a, b);
    check_same_dtype(name, a, b);
}

void check_out(const char* name, const Tensor& a, const Tensor& b, const Tensor& out) {
    check_defined(name, out);
    const Shape s = broadcast_shapes(a.shape(), b.shape(), name);
    MDQ_CHECK(out.shape() == s, name, ": output shape ", out.shape(), " but inputs ", a.shape(),
              " and ", b.shape(), " broadcast to ", s);
    check_same_device(name, a, out);
}

class BinaryBackward final : public Node {
  public:
    BinaryBackward(BinaryOp op, const Tensor& a, const Tensor& b, double alpha)
        : op_(op), alpha_(alpha), a_shape_(a.shape()), b_shape_(b.shape()) {
        if (op != BinaryOp::Add && op != BinaryOp::Sub) {
            a_ = saved(a);
            b_ = saved(b);
        }
    }
    const char* name() const override { return binary_op_name(op_); }

    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        const Tensor& dy = g[0];
        std::vector<Tensor> out(2);
        for (int which = 0; which < 2; ++which) {
            if (!next_edges[which].valid()) continue;
            Tensor grad;
            if (op_ == BinaryOp::Add || op_ == BinaryOp::Sub) {
                const double scale = which == 0 ? 1.0 : (op_ == BinaryOp::Add ? alpha_ : -alpha_);
                grad = scale == 1.0 ? dy : mul_scalar(dy, scale);
            } else {
                grad = Tensor::empty(dy.shape(), dy.dtype(), dy.device());
                binary_grad_into(op_, which, a_, b_, dy, grad);
            }
            out[which] = sum_to(grad, which == 0 ? a_shape_ : b_shape_);
        }
        return out;
    }
    void release_saved() override {
        a_ = Tensor();
        b_ = Tensor();
        released = op_ != BinaryOp::Add && op_ != BinaryOp::Sub;
    }

  private:
    BinaryOp op_;
    double alpha_;
    Shape a_shape_, b_shape_;
    Tensor a_, b_;
};

class WhereBackward final : public Node {
  public:
    WhereBackward(Tensor cond, Shape a_shape, Shape b_shape)
        : cond_(std::move(cond)), a_shape_(std::move(a_shape)), b_shape_(std::move(b_shape)) {}
    const char* name() const override { return "where"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        const Tensor zero = Tensor::zeros({}, g[0].dtype(), g[0].device());
        std::vector<Tensor> out(3);
        if (next_edges[1].valid()) out[1] = sum_to(where(cond_, g[0], zero), a_shape_);
        if (next_edges[2].valid()) out[2] = sum_to(where(cond_, zero, g[0]), b_shape_);
        return out;
    }
    void release_saved() override {
        cond_ = Tensor();
        released = true;
    }

  private:
    Tensor cond_;
    Shape a_shape_, b_shape_;
};

}  // namespace

// ---------------------------------------------------------------- raw kernels

void binary_forward_into(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out,
                         double alpha) {
    const char* name = binary_op_name(op);
    check_pair(name, a, b);
    check_out(name, a, b, out);
    check_same_dtype(name, a, out);
    MDQ_CHECK(op != BinaryOp::Div || is_floating(a.dtype()), name,
              ": integer division is not supported (", a.str(), ")");
    if (a.is_cuda()) {
        MDQ_ON_CUDA(name, cuda::binary_forward(op, a, b, out, alpha));
        return;
    }
    launch_binary_forward<cpu::Runner>(op, a, b, out, alpha);
}

void binary_grad_into(BinaryOp op, int which, const Tensor& a, const Tensor& b, const Tensor& dy,
                      const Tensor& out) {
    const char* name = binary_op_name(op);
    check_pair(name, a, b);
    check_pair(name, a, dy);
    check_out(name, a, b, out);
    MDQ_CHECK(dy.shape() == out.shape(), name, ": gradient shape ", dy.shape(), " vs output ",
              out.shape());
    MDQ_CHECK(which == 0 || which == 1, name, ": input index ", which, " is not 0 or 1");
    if (a.is_cuda()) {
        MDQ_ON_CUDA(name, cuda::binary_grad(op, which, a, b, dy, out));
        return;
    }
    launch_binary_grad<cpu::Runner>(op, which, a, b, dy, out);
}

void compare_into(CompareOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
    const char* name = compare_op_name(op);
    check_pair(name, a, b);
    check_out(name, a, b, out);
    MDQ_CHECK(out.dtype() == DType::U8, name, ": output must be u8, got ", out.str());
    if (a.is_cuda()) {
        MDQ_ON_CUDA(name, cuda::compare(op, a, b, out));
        return;
    }
    launch_compare<cpu::Runner>(op, a, b, out);
}

void where_into(const Tensor& cond, const Tensor& a, const Tensor& b, const Tensor& out) {
    check_pair("where", a, b);
    check_pair("where", a, cond);
    check_pair("where", a, out);
    const Shape s =
        broadcast_shapes(cond.shape(), broadcast_shapes(a.shape(), b.shape(), "where"), "where");
    MDQ_CHECK(out.shape() == s, "where: output shape ", out.shape(), " but inputs broadcast to ",
              s);
    if (a.is_cuda()) {
        MDQ_ON_CUDA("where", cuda::where(cond, a, b, out));
        return;
    }
    launch_where<cpu::Runner>(cond, a, b, out);
}

// ---------------------------------------------------------------- differentiable ops

namespace {
Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, double alpha) {
    const char* name = binary_op_name(op);
    check_pair(name, a, b);
    Tensor out = Tensor::empty(broadcast_shapes(a.shape(), b.shape(), name), a.dtype(), a.device());
    binary_forward_into(op, a, b, out, alpha);
    if (any_requires_grad({a, b}))
        connect(std::make_shared<BinaryBackward>(op, a, b, alpha), {a, b}, {out});
    return out;
}

Tensor compare_op(CompareOp op, const Tensor& a, const Tensor& b) {
    const char* name = compare_op_name(op);
    check_pair(name, a, b);
    Tensor out = Tensor::empty(broadcast_shapes(a.shape(), b.shape(), name), DType::U8, a.device());
    compare_into(op, a, b, out);
    return out;
}
}  // namespace

Tensor add(const Tensor& a, const Tensor& b, double alpha) {
    return binary(BinaryOp::Add, a, b, alpha);
}
Tensor sub(const Tensor& a, const Tensor& b, double alpha) {
    return binary(BinaryOp::Sub, a, b, alpha);
}
Tensor mul(const Tensor& a, const Tensor& b) {
    return binary(BinaryOp::Mul, a, b, 1.0);
}
Tensor div(const Tensor& a, const Tensor& b) {
    return binary(BinaryOp::Div, a, b, 1.0);
}
Tensor maximum(const Tensor& a, const Tensor& b) {
    return binary(BinaryOp::Maximum, a, b, 1.0);
}
Tensor minimum(const Tensor& a, const Tensor& b) {
    return binary(BinaryOp::Minimum, a, b, 1.0);
}

Tensor eq(const Tensor& a, const Tensor& b) {
    return compare_op(CompareOp::Eq, a, b);
}
Tensor ne(const Tensor& a, const Tensor& b) {
    return compare_op(CompareOp::Ne, a, b);
}
Tensor lt(const Tensor& a, const Tensor& b) {
    return compare_op(CompareOp::Lt, a, b);
}
Tensor le(const Tensor& a, const Tensor& b) {
    return compare_op(CompareOp::Le, a, b);
}
Tensor gt(const Tensor& a, const Tensor& b) {
    return compare_op(CompareOp::Gt, a, b);
}
Tensor ge(const Tensor& a, const Tensor& b) {
    return compare_op(CompareOp::Ge, a, b);
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
    check_defined("where", cond);
    check_pair("where", a, b);
    check_same_device("where", cond, a);
    MDQ_CHECK(cond.dtype() == DType::U8, "where: condition must be u8, got ", cond.str());
    const Shape s =
        broadcast_shapes(cond.shape(), broadcast_shapes(a.shape(), b.shape(), "where"), "where");
    const Tensor c = cond.to(a.dtype());
    Tensor out = Tensor::empty(s, a.dtype(), a.device());
    where_into(c, a, b, out);
    if (any_requires_grad({a, b}))
        connect(std::make_shared<WhereBackward>(cond, a.shape(), b.shape()), {cond, a, b}, {out});
    return out;
}

void add_(const Tensor& dst, const Tensor& src, double alpha) {
    MDQ_CHECK(!(grad_enabled() && dst.requires_grad()), "add_: in-place update of ", dst.str(),
              " which requires grad; wrap it in NoGradGuard");
    binary_forward_into(BinaryOp::Add, dst, src, dst, alpha);
}

// ---------------------------------------------------------------- operators

Tensor operator+(const Tensor& a, const Tensor& b) {
    return add(a, b);
}
Tensor operator-(const Tensor& a, const Tensor& b) {
    return sub(a, b);
}
Tensor operator*(const Tensor& a, const Tensor& b) {
    return mul(a, b);
}
Tensor operator/(const Tensor& a, const Tensor& b) {
    return div(a, b);
}
Tensor operator-(const Tensor& a) {
    return neg(a);
}
Tensor operator+(const Tensor& a, double s) {
    return add_scalar(a, s);
}
Tensor operator+(double s, const Tensor& a) {
    return add_scalar(a, s);
}
Tensor operator-(const Tensor& a, double s) {
    return add_scalar(a, -s);
}
Tensor operator-(double s, const Tensor& a) {
    return add_scalar(neg(a), s);
}
Tensor operator*(const Tensor& a, double s) {
    return mul_scalar(a, s);
}
Tensor operator*(double s, const Tensor& a) {
    return mul_scalar(a, s);
}
Tensor operator/(const Tensor& a, double s) {
    return mul_scalar(a, 1.0 / s);
}
Tensor operator/(double s, const Tensor& a) {
    return rdiv_scalar(s, a);
}

}  // namespace mdq
