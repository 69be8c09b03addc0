#include "kernels/reduce/reduce.h"

#include <algorithm>

#include "core/autograd.h"
#include "kernels/common/dispatch.h"
#include "kernels/elementwise/binary.h"
#include "kernels/elementwise/unary.h"
#include "kernels/reduce/reduce_impl.h"

namespace mdq {

const char* reduce_op_name(ReduceOp op) {
    switch (op) {
        case ReduceOp::Sum:
            return "sum";
        case ReduceOp::Max:
            return "amax";
        case ReduceOp::Min:
            return "amin";
        case ReduceOp::ArgMax:
            return "argmax";
        case ReduceOp::ArgMin:
            return "argmin";
    }
    return "reduce";
}

namespace {

DType result_dtype(ReduceOp op, DType in) {
    DType out = in;
    dispatch_reduce<false>(
        op, in, [&](auto, auto, auto o) { out = DTypeOf<typename decltype(o)::type>::value; });
    return out;
}

// x as a contiguous [outer, r, inner] block, plus the output shapes.
struct ReducePlan {
    Tensor x;
    int64_t outer = 1, r = 1, inner = 1;
    Shape keep_shape;  // reduced dims kept as 1
    Shape out_shape;   // as requested by keepdim
};

ReducePlan plan_reduce(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim,
                       const char* name) {
    check_defined(name, x);
    const int64_t nd = x.dim();
    std::vector<bool> red(static_cast<size_t>(nd), dims.empty());
    for (int64_t d : dims) {
        const int64_t n = normalize_dim(d, nd, name);
        MDQ_CHECK(!red[n] || dims.empty(), name, ": dim ", d, " given twice");
        red[n] = true;
    }
    ReducePlan p;
    std::vector<int64_t> kept_dims, red_dims;
    for (int64_t d = 0; d < nd; ++d) {
        (red[d] ? red_dims : kept_dims).push_back(d);
        p.keep_shape.push_back(red[d] ? 1 : x.shape()[d]);
        if (!red[d] || keepdim) p.out_shape.push_back(red[d] ? 1 : x.shape()[d]);
    }
    const bool one_run = red_dims.empty() || red_dims.back() - red_dims.front() + 1 ==
                                                 static_cast<int64_t>(red_dims.size());
    if (one_run) {
        p.x = x.contiguous();
        const int64_t a = red_dims.empty() ? nd : red_dims.front();
        const int64_t b = red_dims.empty() ? nd : red_dims.back() + 1;
        for (int64_t d = 0; d < a; ++d)
            p.outer *= x.shape()[d];
        for (int64_t d = a; d < b; ++d)
            p.r *= x.shape()[d];
        for (int64_t d = b; d < nd; ++d)
            p.inner *= x.shape()[d];
    } else {
        std::vector<int64_t> perm = kept_dims;
        perm.insert(perm.end(), red_dims.begin(), red_dims.end());
        p.x = x.detach().permute(perm).contiguous();
        for (int64_t d : kept_dims)
            p.outer *= x.shape()[d];
        for (int64_t d : red_dims)
            p.r *= x.shape()[d];
    }
    return p;
}

Tensor run_reduce(ReduceOp op, const ReducePlan& p, double scale) {
    Tensor out = Tensor::empty(p.out_shape, result_dtype(op, p.x.dtype()), p.x.device());
    reduce_into(op, p.x, p.outer, p.r, p.inner, out, scale);
    return out;
}

class SumBackward final : public Node {
  public:
    SumBackward(Shape in, Shape keep, double scale)
        : in_(std::move(in)), keep_(std::move(keep)), scale_(scale) {}
    const char* name() const override { return "sum"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        Tensor e = g[0].reshape(keep_).expand(in_);
        return {scale_ == 1.0 ? e : mul_scalar(e, scale_)};
    }

  private:
    Shape in_, keep_;
    double scale_;
};

class ExtremumBackward final : public Node {
  public:
    ExtremumBackward(Tensor x, Tensor y_keep, std::vector<int64_t> dims)
        : x_(std::move(x)), y_(std::move(y_keep)), dims_(std::move(dims)) {}
    const char* name() const override { return "amax/amin"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        const Tensor mask = eq(x_, y_).to(x_.dtype());
        const Tensor count = sum(mask, dims_, true);
        return {mask * div(g[0].reshape(y_.shape()), count)};
    }
    void release_saved() override {
        x_ = Tensor();
        y_ = Tensor();
        released = true;
    }

  private:
    Tensor x_, y_;
    std::vector<int64_t> dims_;
};

Tensor sum_like(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim, bool average) {
    const char* name = average ? "mean" : "sum";
    const ReducePlan p = plan_reduce(x, dims, keepdim, name);
    MDQ_CHECK(!average || is_floating(x.dtype()), "mean: needs a floating tensor, got ", x.str());
    MDQ_CHECK(!average || p.r > 0, "mean: reducing ", x.str(), " over an empty dimension");
    const double scale = average ? 1.0 / static_cast<double>(p.r) : 1.0;
    Tensor out = run_reduce(ReduceOp::Sum, p, scale);
    if (any_requires_grad({x}))
        connect(std::make_shared<SumBackward>(x.shape(), p.keep_shape, scale), {x}, {out});
    return out;
}

Tensor extremum(ReduceOp op, const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
    const char* name = reduce_op_name(op);
    const ReducePlan p = plan_reduce(x, dims, keepdim, name);
    MDQ_CHECK(p.r > 0, name, ": reducing ", x.str(), " over an empty dimension");
    Tensor out = run_reduce(op, p, 1.0);
    if (any_requires_grad({x})) {
        std::vector<int64_t> all = dims;
        if (all.empty())
            for (int64_t d = 0; d < x.dim(); ++d)
                all.push_back(d);
        connect(std::make_shared<ExtremumBackward>(saved(x), saved(out).reshape(p.keep_shape), all),
                {x}, {out});
    }
    return out;
}

Tensor arg_extremum(ReduceOp op, const Tensor& x, std::vector<int64_t> dims, bool keepdim) {
    const char* name = reduce_op_name(op);
    const Tensor src = dims.empty() ? x.detach().reshape({-1}) : x.detach();
    if (dims.empty()) dims = {0};
    const ReducePlan p = plan_reduce(src, dims, keepdim && src.dim() == x.dim(), name);
    MDQ_CHECK(p.r > 0, name, ": reducing ", x.str(), " over an empty dimension");
    return run_reduce(op, p, 1.0);
}

}  // namespace

void reduce_into(ReduceOp op, const Tensor& x, int64_t outer, int64_t r, int64_t inner,
                 const Tensor& out, double scale) {
    const char* name = reduce_op_name(op);
    check_defined(name, x);
    check_defined(name, out);
    check_same_device(name, x, out);
    MDQ_CHECK(x.is_contiguous() && out.is_contiguous(), name, ": needs contiguous tensors");
    MDQ_CHECK(outer >= 0 && r >= 0 && inner >= 0 && outer * r * inner == x.numel(), name,
              ": geometry [", outer, ", ", r, ", ", inner, "] does not match ", x.str());
    MDQ_CHECK(out.numel() == outer * inner, name, ": output ", out.str(), " needs ", outer * inner,
              " elements");
    MDQ_CHECK(out.dtype() == result_dtype(op, x.dtype()), name, ": output dtype ",
              dtype_name(out.dtype()), ", expected ", dtype_name(result_dtype(op, x.dtype())));
    MDQ_CHECK(r > 0 || op == ReduceOp::Sum, name, ": empty reduction");
    if (out.numel() == 0) return;
    if (x.is_cuda()) {
        MDQ_ON_CUDA(name, cuda::reduce(op, x, outer, r, inner, out, scale));
        return;
    }
    cpu::reduce(op, x, outer, r, inner, out, scale);
}

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
    return sum_like(x, dims, keepdim, false);
}
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
    return sum_like(x, dims, keepdim, true);
}
Tensor amax(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
    return extremum(ReduceOp::Max, x, dims, keepdim);
}
Tensor amin(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
    return extremum(ReduceOp::Min, x, dims, keepdim);
}
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) {
    return arg_extremum(ReduceOp::ArgMax, x, {dim}, keepdim);
}
Tensor argmax(const Tensor& x) {
    return arg_extremum(ReduceOp::ArgMax, x, {}, false);
}
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim) {
    return arg_extremum(ReduceOp::ArgMin, x, {dim}, keepdim);
}
Tensor argmin(const Tensor& x) {
    return arg_extremum(ReduceOp::ArgMin, x, {}, false);
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
    check_defined("sum_to", x);
    if (x.shape() == shape) return x;
    MDQ_CHECK(broadcast_shapes(shape, x.shape(), "sum_to") == x.shape(), "sum_to: ", shape,
              " does not broadcast to ", x.shape());
    const int64_t lead = x.dim() - static_cast<int64_t>(shape.size());
    std::vector<int64_t> dims;
    for (int64_t d = 0; d < x.dim(); ++d)
        if (d < lead || (shape[d - lead] == 1 && x.shape()[d] != 1)) dims.push_back(d);
    if (dims.empty()) return x.reshape(shape);
    return sum(x, dims, true).reshape(shape);
}

}  // namespace mdq
