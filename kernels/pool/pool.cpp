#include "kernels/pool/pool.h"

#include "core/autograd.h"
#include "kernels/common/dispatch.h"

namespace mdq {

namespace {

const char* kind_name(PoolKind k) {
    switch (k) {
        case PoolKind::Max:
            return "max_pool2d";
        case PoolKind::Avg:
            return "avg_pool2d";
        case PoolKind::AdaptiveAvg:
            return "adaptive_avg_pool2d";
    }
    return "pool2d";
}

PoolGeometry input_geometry(PoolKind kind, const Shape& x, const char* op) {
    MDQ_CHECK(x.size() == 4, op, ": input must be 4-D NHWC [N, H, W, C], got ", x);
    PoolGeometry g;
    g.kind = kind;
    g.n = x[0];
    g.h = x[1];
    g.w = x[2];
    g.c = x[3];
    return g;
}

Shape output_shape(const PoolGeometry& g) {
    return {g.n, g.oh, g.ow, g.c};
}

class PoolNode final : public Node {
  public:
    PoolNode(const PoolGeometry& g, Tensor indices) : g_(g), indices_(std::move(indices)) {}
    const char* name() const override { return kind_name(g_.kind); }
    std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
        const Tensor dy = grads[0].contiguous();
        Tensor dx = Tensor::empty({g_.n, g_.h, g_.w, g_.c}, dy.dtype(), dy.device());
        pool2d_backward_into(g_, dy, indices_, dx);
        return {dx};
    }
    void release_saved() override {
        indices_ = Tensor();
        released = g_.kind == PoolKind::Max;
    }

  private:
    PoolGeometry g_;
    Tensor indices_;
};

Tensor pool(const PoolGeometry& g, const Tensor& x) {
    const char* op = kind_name(g.kind);
    MDQ_CHECK(is_floating(x.dtype()), op, ": needs a floating input, got ", x.str());
    Tensor y = Tensor::empty(output_shape(g), x.dtype(), x.device());
    Tensor indices =
        g.kind == PoolKind::Max ? Tensor::empty(y.shape(), DType::I32, x.device()) : Tensor();
    pool2d_forward_into(g, x.contiguous(), y, indices);
    if (any_requires_grad({x})) connect(std::make_shared<PoolNode>(g, indices), {x}, {y});
    return y;
}

void check_tensor(const char* op, const Tensor& t, const Shape& shape, const Tensor& like) {
    check_defined(op, t);
    check_same_device(op, like, t);
    MDQ_CHECK(t.shape() == shape && t.is_contiguous(), op, ": expected a contiguous tensor of ",
              "shape ", shape, ", got ", t.str());
}

void check_indices(const PoolGeometry& g, const Tensor& indices, const Tensor& like) {
    const char* op = kind_name(g.kind);
    if (g.kind != PoolKind::Max) return;
    check_tensor(op, indices, output_shape(g), like);
    MDQ_CHECK(indices.dtype() == DType::I32, op, ": indices must be i32, got ", indices.str());
}

}  // namespace

PoolGeometry pool2d_geometry(PoolKind kind, const Shape& x, const Pool2dArgs& a, const char* op) {
    MDQ_CHECK(kind != PoolKind::AdaptiveAvg, op, ": use adaptive_pool2d_geometry");
    PoolGeometry g = input_geometry(kind, x, op);
    MDQ_CHECK(a.kernel_h >= 1 && a.kernel_w >= 1 && a.stride_h >= 1 && a.stride_w >= 1, op,
              ": kernel and stride must be >= 1, got kernel (", a.kernel_h, ", ", a.kernel_w,
              "), stride (", a.stride_h, ", ", a.stride_w, ")");
    MDQ_CHECK(
        a.pad_h >= 0 && a.pad_w >= 0 && 2 * a.pad_h <= a.kernel_h && 2 * a.pad_w <= a.kernel_w, op,
        ": padding (", a.pad_h, ", ", a.pad_w, ") must be at most half the kernel (", a.kernel_h,
        ", ", a.kernel_w, ")");
    MDQ_CHECK(g.h + 2 * a.pad_h >= a.kernel_h && g.w + 2 * a.pad_w >= a.kernel_w, op, ": kernel ",
              a.kernel_h, "x", a.kernel_w, " is larger than the padded input ", g.h + 2 * a.pad_h,
              "x", g.w + 2 * a.pad_w, " (input ", x, ")");
    g.kh = a.kernel_h;
    g.kw = a.kernel_w;
    g.sh = a.stride_h;
    g.sw = a.stride_w;
    g.ph = a.pad_h;
    g.pw = a.pad_w;
    g.count_include_pad = a.count_include_pad;
    g.oh = (g.h + 2 * g.ph - g.kh) / g.sh + 1;
    g.ow = (g.w + 2 * g.pw - g.kw) / g.sw + 1;
    return g;
}

PoolGeometry adaptive_pool2d_geometry(const Shape& x, int64_t out_h, int64_t out_w,
                                      const char* op) {
    PoolGeometry g = input_geometry(PoolKind::AdaptiveAvg, x, op);
    MDQ_CHECK(out_h >= 1 && out_w >= 1, op, ": output size must be >= 1, got ", out_h, "x", out_w);
    MDQ_CHECK(g.h >= 1 && g.w >= 1, op, ": empty spatial input ", x);
    g.oh = out_h;
    g.ow = out_w;
    return g;
}

void pool2d_forward_into(const PoolGeometry& g, const Tensor& x, const Tensor& y,
                         const Tensor& indices) {
    const char* op = kind_name(g.kind);
    check_tensor(op, x, {g.n, g.h, g.w, g.c}, x);
    check_tensor(op, y, output_shape(g), x);
    check_same_dtype(op, x, y);
    check_indices(g, indices, x);
    if (y.numel() == 0) return;
    if (x.is_cuda()) {
        MDQ_ON_CUDA(op, cuda::pool2d_forward(g, x, y, indices));
        return;
    }
    cpu::pool2d_forward(g, x, y, indices);
}

void pool2d_backward_into(const PoolGeometry& g, const Tensor& dy, const Tensor& indices,
                          const Tensor& dx) {
    const char* op = kind_name(g.kind);
    check_tensor(op, dy, output_shape(g), dy);
    check_tensor(op, dx, {g.n, g.h, g.w, g.c}, dy);
    check_same_dtype(op, dy, dx);
    check_indices(g, indices, dy);
    if (dx.numel() == 0) return;
    if (dy.is_cuda()) {
        MDQ_ON_CUDA(op, cuda::pool2d_backward(g, dy, indices, dx));
        return;
    }
    cpu::pool2d_backward(g, dy, indices, dx);
}

Tensor max_pool2d(const Tensor& x, const Pool2dArgs& args) {
    check_defined("max_pool2d", x);
    return pool(pool2d_geometry(PoolKind::Max, x.shape(), args, "max_pool2d"), x);
}

Tensor avg_pool2d(const Tensor& x, const Pool2dArgs& args) {
    check_defined("avg_pool2d", x);
    return pool(pool2d_geometry(PoolKind::Avg, x.shape(), args, "avg_pool2d"), x);
}

Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w) {
    check_defined("adaptive_avg_pool2d", x);
    return pool(adaptive_pool2d_geometry(x.shape(), out_h, out_w, "adaptive_avg_pool2d"), x);
}

}  // namespace mdq
