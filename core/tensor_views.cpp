// Views: tensors sharing their input's storage with other shape/strides/offset. Each records
// a backward node that maps the gradient back to the input's shape.
#include <algorithm>
#include <numeric>
#include <optional>

#include "core/autograd.h"
#include "core/tensor.h"
#include "core/tensor_primitives.h"

namespace mdq {

namespace {

Tensor make_view(const Tensor& base, const Shape& shape, const Shape& strides, int64_t offset) {
    return Tensor::view_of(base.storage(), shape, strides, offset, base.dtype());
}

class ReshapeBackward final : public Node {
  public:
    explicit ReshapeBackward(Shape in) : in_(std::move(in)) {}
    const char* name() const override { return "ReshapeBackward"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {g[0].reshape(in_)}; }

  private:
    Shape in_;
};

class PermuteBackward final : public Node {
  public:
    explicit PermuteBackward(std::vector<int64_t> inverse) : inverse_(std::move(inverse)) {}
    const char* name() const override { return "PermuteBackward"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {g[0].permute(inverse_)}; }

  private:
    std::vector<int64_t> inverse_;
};

class SliceBackward final : public Node {
  public:
    SliceBackward(Shape in, int64_t dim, int64_t start, int64_t end, int64_t step)
        : in_(std::move(in)), dim_(dim), start_(start), end_(end), step_(step) {}
    const char* name() const override { return "SliceBackward"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        Tensor full = Tensor::zeros(in_, g[0].dtype(), g[0].device());
        full.slice(dim_, start_, end_, step_).copy_(g[0]);
        return {full};
    }

  private:
    Shape in_;
    int64_t dim_, start_, end_, step_;
};

class ExpandBackward final : public Node {
  public:
    explicit ExpandBackward(Shape in) : in_(std::move(in)) {}
    const char* name() const override { return "ExpandBackward"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {sum_to(g[0], in_)}; }

  private:
    Shape in_;
};

// Strides that let `shape` view memory laid out as (old_shape, old_strides), when they exist.
std::optional<Shape> view_strides(const Shape& old_shape, const Shape& old_strides,
                                  const Shape& shape) {
    if (mdq::numel(old_shape) == 0 || old_shape.empty()) return contiguous_strides(shape);
    Shape strides(shape.size());
    int64_t view_d = static_cast<int64_t>(shape.size()) - 1;
    int64_t chunk_base_stride = old_strides.empty() ? 1 : old_strides.back();
    int64_t tensor_numel = 1, view_numel = 1;
    for (int64_t d = static_cast<int64_t>(old_shape.size()) - 1; d >= 0; --d) {
        tensor_numel *= old_shape[d];
        if (d == 0 ||
            (old_shape[d - 1] != 1 && old_strides[d - 1] != tensor_numel * chunk_base_stride)) {
            while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
                strides[view_d] = view_numel * chunk_base_stride;
                view_numel *= shape[view_d];
                --view_d;
            }
            if (view_numel != tensor_numel) return std::nullopt;
            if (d > 0) {
                chunk_base_stride = old_strides[d - 1];
                tensor_numel = 1;
                view_numel = 1;
            }
        }
    }
    if (view_d != -1) return std::nullopt;
    return strides;
}

Shape infer_shape(const Shape& requested, int64_t n, const char* op) {
    Shape shape = requested;
    int64_t infer = -1, known = 1;
    for (size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == -1) {
            MDQ_CHECK(infer < 0, op, ": only one dimension can be -1 in ", requested);
            infer = static_cast<int64_t>(i);
        } else {
            MDQ_CHECK(shape[i] >= 0, op, ": bad size ", shape[i], " in ", requested);
            known *= shape[i];
        }
    }
    if (infer >= 0) {
        MDQ_CHECK(known > 0 && n % known == 0, op, ": cannot infer -1 in ", requested, " for ", n,
                  " elements");
        shape[infer] = n / known;
    }
    MDQ_CHECK(mdq::numel(shape) == n, op, ": shape ", requested, " is invalid for ", n,
              " elements");
    return shape;
}

Tensor record(Tensor out, const Tensor& in, std::shared_ptr<Node> node) {
    if (any_requires_grad({in})) connect(node, {in}, {out});
    return out;
}

}  // namespace

Tensor Tensor::view(const Shape& requested) const {
    const Shape shape = infer_shape(requested, numel(), "view");
    auto strides = view_strides(this->shape(), this->strides(), shape);
    MDQ_CHECK(strides.has_value(), "view: shape ", requested, " is incompatible with the strides ",
              this->strides(), " of ", str(), "; use reshape() (which copies)");
    return record(make_view(*this, shape, *strides, offset()), *this,
                  std::make_shared<ReshapeBackward>(this->shape()));
}

Tensor Tensor::reshape(const Shape& requested) const {
    const Shape shape = infer_shape(requested, numel(), "reshape");
    if (view_strides(this->shape(), this->strides(), shape)) return view(shape);
    return contiguous().view(shape);
}

Tensor Tensor::flatten(int64_t start, int64_t end) const {
    if (dim() == 0) return reshape({1});
    start = normalize_dim(start, dim(), "flatten");
    end = normalize_dim(end, dim(), "flatten");
    MDQ_CHECK(start <= end, "flatten: start dim ", start, " after end dim ", end);
    Shape s(shape().begin(), shape().begin() + start);
    int64_t n = 1;
    for (int64_t d = start; d <= end; ++d)
        n *= shape()[d];
    s.push_back(n);
    s.insert(s.end(), shape().begin() + end + 1, shape().end());
    return reshape(s);
}

Tensor Tensor::unsqueeze(int64_t d) const {
    d = normalize_dim(d, dim() + 1, "unsqueeze");
    Shape s = shape();
    s.insert(s.begin() + d, 1);
    return reshape(s);
}

Tensor Tensor::squeeze(int64_t d) const {
    d = normalize_dim(d, dim(), "squeeze");
    MDQ_CHECK(shape()[d] == 1, "squeeze: dim ", d, " of ", str(), " has size ", shape()[d],
              ", not 1");
    Shape s = shape();
    s.erase(s.begin() + d);
    return reshape(s);
}

Tensor Tensor::permute(const std::vector<int64_t>& dims) const {
    MDQ_CHECK(static_cast<int64_t>(dims.size()) == dim(), "permute: ", dims.size(),
              " dims given for ", str());
    Shape s(dims.size()), st(dims.size());
    std::vector<int64_t> inverse(dims.size(), -1);
    for (size_t i = 0; i < dims.size(); ++i) {
        const int64_t d = normalize_dim(dims[i], dim(), "permute");
        MDQ_CHECK(inverse[d] < 0, "permute: dim ", d, " repeated in the permutation");
        inverse[d] = static_cast<int64_t>(i);
        s[i] = shape()[d];
        st[i] = strides()[d];
    }
    return record(make_view(*this, s, st, offset()), *this,
                  std::make_shared<PermuteBackward>(inverse));
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
    std::vector<int64_t> p(static_cast<size_t>(dim()));
    std::iota(p.begin(), p.end(), 0);
    std::swap(p[normalize_dim(d0, dim(), "transpose")], p[normalize_dim(d1, dim(), "transpose")]);
    return permute(p);
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end, int64_t step) const {
    d = normalize_dim(d, dim(), "slice");
    MDQ_CHECK(step > 0, "slice: step must be positive, got ", step);
    const int64_t n = shape()[d];
    if (start < 0) start += n;
    if (end < 0) end += n;
    start = std::clamp<int64_t>(start, 0, n);
    end = std::clamp<int64_t>(end, start, n);
    Shape s = shape(), st = strides();
    s[d] = (end - start + step - 1) / step;
    st[d] = strides()[d] * step;
    return record(make_view(*this, s, st, offset() + start * strides()[d]), *this,
                  std::make_shared<SliceBackward>(shape(), d, start, end, step));
}

Tensor Tensor::select(int64_t d, int64_t index) const {
    d = normalize_dim(d, dim(), "select");
    const int64_t n = shape()[d];
    MDQ_CHECK(index >= -n && index < n, "select: index ", index, " out of range for dim ", d,
              " of size ", n);
    if (index < 0) index += n;
    return slice(d, index, index + 1).squeeze(d);
}

Tensor Tensor::expand(const Shape& target) const {
    MDQ_CHECK(target.size() >= shape().size(), "expand: cannot expand ", str(), " to ", target);
    Shape full = target;
    const size_t lead = target.size() - shape().size();
    for (size_t i = 0; i < shape().size(); ++i)
        if (full[lead + i] == -1) full[lead + i] = shape()[i];
    const Shape st = broadcast_strides(shape(), strides(), full);
    return record(make_view(*this, full, st, offset()), *this,
                  std::make_shared<ExpandBackward>(shape()));
}

}  // namespace mdq
