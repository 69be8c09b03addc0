#include "kernels/softmax/softmax.h"

#include "core/autograd.h"
#include "kernels/common/dispatch.h"
#include "kernels/common/row_pass_cpu.h"
#include "kernels/softmax/softmax_impl.h"

namespace mdq {

namespace {

// x read as [outer, r, inner] around dim; a 0-d tensor is one row of one element.
RowGeometry geometry(const Tensor& x, int64_t dim, const char* name) {
    const int64_t d = normalize_dim(dim, x.dim(), name);
    RowGeometry g;
    if (x.dim() == 0) return g;
    for (int64_t i = 0; i < d; ++i)
        g.outer *= x.shape()[i];
    g.r = x.shape()[d];
    for (int64_t i = d + 1; i < x.dim(); ++i)
        g.inner *= x.shape()[i];
    return g;
}

void check_like(const char* name, const Tensor& x, const Tensor& other) {
    check_defined(name, other);
    MDQ_CHECK(other.shape() == x.shape(), name, ": shape ", other.shape(),
              " differs from input shape ", x.shape());
    check_same_dtype(name, x, other);
    check_same_device(name, x, other);
    MDQ_CHECK(other.is_contiguous(), name, ": needs contiguous tensors, ", other.str(),
              " has strides ", other.strides());
}

void check_input(const char* name, const Tensor& x) {
    check_defined(name, x);
    MDQ_CHECK(is_floating(x.dtype()), name, ": needs a floating tensor, got ", x.str());
    MDQ_CHECK(x.is_contiguous(), name, ": needs contiguous tensors, ", x.str(), " has strides ",
              x.strides());
}

class SoftmaxBackward final : public Node {
  public:
    SoftmaxBackward(Tensor y, int64_t dim, bool log) : y_(std::move(y)), dim_(dim), log_(log) {}
    const char* name() const override { return softmax_name(log_); }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        Tensor dx = Tensor::empty(y_.shape(), y_.dtype(), y_.device());
        softmax_backward_into(y_, g[0].contiguous(), dim_, log_, dx);
        return {dx};
    }
    void release_saved() override {
        y_ = Tensor();
        released = true;
    }

  private:
    Tensor y_;
    int64_t dim_;
    bool log_;
};

Tensor softmax_op(const Tensor& x, int64_t dim, bool log) {
    check_defined(softmax_name(log), x);
    Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
    softmax_forward_into(x.detach().contiguous(), dim, log, y);
    if (any_requires_grad({x}))
        connect(std::make_shared<SoftmaxBackward>(saved(y), dim, log), {x}, {y});
    return y;
}

}  // namespace

void softmax_forward_into(const Tensor& x, int64_t dim, bool log, const Tensor& y) {
    const char* name = softmax_name(log);
    check_input(name, x);
    check_like(name, x, y);
    const RowGeometry g = geometry(x, dim, name);
    if (x.numel() == 0) return;
    if (x.is_cuda()) {
        MDQ_ON_CUDA(name, cuda::softmax_forward(x, g, log, y));
        return;
    }
    launch_softmax_forward<cpu::RowPassRunner>(x, g, log, y);
}

void softmax_backward_into(const Tensor& y, const Tensor& dy, int64_t dim, bool log,
                           const Tensor& dx) {
    const char* name = softmax_name(log);
    check_input(name, y);
    check_like(name, y, dy);
    check_like(name, y, dx);
    const RowGeometry g = geometry(y, dim, name);
    if (y.numel() == 0) return;
    if (y.is_cuda()) {
        MDQ_ON_CUDA(name, cuda::softmax_backward(y, dy, g, log, dx));
        return;
    }
    launch_softmax_backward<cpu::RowPassRunner>(y, dy, g, log, dx);
}

Tensor softmax(const Tensor& x, int64_t dim) {
    return softmax_op(x, dim, false);
}
Tensor log_softmax(const Tensor& x, int64_t dim) {
    return softmax_op(x, dim, true);
}

}  // namespace mdq
