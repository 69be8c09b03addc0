#include "kernels/elementwise/unary.h"

#include "core/autograd.h"
#include "kernels/common/dispatch.h"
#include "kernels/common/grid_cpu.h"
#include "kernels/elementwise/unary_impl.h"

namespace mdq {

const char* unary_op_name(UnaryOp op) {
    switch (op) {
#define MDQ_UNARY_NAME_CASE(OP, NAME) \
    case UnaryOp::OP:                 \
        return NAME;
        MDQ_UNARY_OPS(MDQ_UNARY_NAME_CASE)
#undef MDQ_UNARY_NAME_CASE
    }
    return "unary";
}

namespace {

void check_unary_args(const char* name, const Tensor& x, const Tensor& out) {
    check_defined(name, x);
    check_defined(name, out);
    MDQ_CHECK(is_floating(x.dtype()), name, ": needs a floating tensor, got ", x.str());
    MDQ_CHECK(x.shape() == out.shape(), name, ": output shape ", out.shape(),
              " differs from input shape ", x.shape());
    check_same_dtype(name, x, out);
    check_same_device(name, x, out);
}

// Saves x (and y when the derivative reads it) and recomputes nothing in backward.
class UnaryBackward final : public Node {
  public:
    UnaryBackward(UnaryOp op, Tensor x, Tensor y, double a, double b)
        : op_(op), x_(std::move(x)), y_(std::move(y)), a_(a), b_(b) {}
    const char* name() const override { return unary_op_name(op_); }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        Tensor dx = Tensor::empty(x_.shape(), x_.dtype(), x_.device());
        unary_backward_into(op_, x_, y_, g[0], dx, a_, b_);
        return {dx};
    }
    void release_saved() override {
        x_ = Tensor();
        y_ = Tensor();
        released = true;
    }

  private:
    UnaryOp op_;
    Tensor x_, y_;
    double a_, b_;
};

}  // namespace

void unary_forward_into(UnaryOp op, const Tensor& x, const Tensor& out, double a, double b) {
    const char* name = unary_op_name(op);
    check_unary_args(name, x, out);
    if (x.is_cuda()) {
        MDQ_ON_CUDA(name, cuda::unary_forward(op, x, out, a, b));
        return;
    }
    // On the CPU the op is fixed at compile time for each launch (unary_impl.h): the compiler
    // folds the op's switch away and vectorizes the loop.
    launch_unary_forward<cpu::Runner, true>(op, x, out, a, b);
}

void unary_backward_into(UnaryOp op, const Tensor& x, const Tensor& y, const Tensor& dy,
                         const Tensor& dx, double a, double b) {
    const char* name = unary_op_name(op);
    check_unary_args(name, x, dx);
    check_unary_args(name, x, y);
    check_unary_args(name, x, dy);
    if (x.is_cuda()) {
        MDQ_ON_CUDA(name, cuda::unary_backward(op, x, y, dy, dx, a, b));
        return;
    }
    launch_unary_backward<cpu::Runner, true>(op, x, y, dy, dx, a, b);
}

Tensor unary(UnaryOp op, const Tensor& x, double a, double b) {
    check_defined(unary_op_name(op), x);
    Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
    unary_forward_into(op, x, y, a, b);
    if (any_requires_grad({x})) {
        connect(std::make_shared<UnaryBackward>(op, saved(x), saved(y), a, b), {x}, {y});
    }
    return y;
}

Tensor neg(const Tensor& x) {
    return unary(UnaryOp::Neg, x);
}
Tensor abs(const Tensor& x) {
    return unary(UnaryOp::Abs, x);
}
Tensor exp(const Tensor& x) {
    return unary(UnaryOp::Exp, x);
}
Tensor log(const Tensor& x) {
    return unary(UnaryOp::Log, x);
}
Tensor sqrt(const Tensor& x) {
    return unary(UnaryOp::Sqrt, x);
}
Tensor tanh(const Tensor& x) {
    return unary(UnaryOp::Tanh, x);
}
Tensor sigmoid(const Tensor& x) {
    return unary(UnaryOp::Sigmoid, x);
}
Tensor relu(const Tensor& x) {
    return unary(UnaryOp::Relu, x);
}
Tensor relu6(const Tensor& x) {
    return unary(UnaryOp::Relu6, x);
}
Tensor sign(const Tensor& x) {
    return unary(UnaryOp::Sign, x);
}
Tensor pow(const Tensor& x, double exponent) {
    return unary(UnaryOp::Pow, x, exponent);
}
Tensor clamp(const Tensor& x, double lo, double hi) {
    MDQ_CHECK(lo <= hi, "clamp: lower bound ", lo, " above upper bound ", hi);
    return unary(UnaryOp::Clamp, x, lo, hi);
}
Tensor add_scalar(const Tensor& x, double a) {
    return unary(UnaryOp::AddScalar, x, a);
}
Tensor mul_scalar(const Tensor& x, double a) {
    return unary(UnaryOp::MulScalar, x, a);
}
Tensor rdiv_scalar(double a, const Tensor& x) {
    return unary(UnaryOp::RDivScalar, x, a);
}

}  // namespace mdq
