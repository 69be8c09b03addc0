#include "kernels/concat/concat.h"

#include <sstream>

#include "core/autograd.h"
#include "kernels/copy/copy.h"

namespace mdq {

namespace {

std::string shapes_of(const std::vector<Tensor>& xs) {
    std::ostringstream os;
    for (size_t i = 0; i < xs.size(); ++i)
        os << (i ? ", " : "") << xs[i].str();
    return os.str();
}

// Checks the inputs and returns the concatenated shape; d is the normalized dim.
Shape concat_shape(const std::vector<Tensor>& xs, int64_t dim, int64_t& d) {
    MDQ_CHECK(!xs.empty(), "concat: needs at least one tensor");
    for (const Tensor& x : xs)
        check_defined("concat", x);
    const Tensor& first = xs[0];
    MDQ_CHECK(first.dim() > 0, "concat: cannot concatenate 0-d tensors (", shapes_of(xs), ")");
    d = normalize_dim(dim, first.dim(), "concat");
    Shape out = first.shape();
    out[d] = 0;
    for (const Tensor& x : xs) {
        check_same_dtype("concat", first, x);
        check_same_device("concat", first, x);
        bool same = x.dim() == first.dim();
        for (int64_t k = 0; same && k < x.dim(); ++k)
            same = k == d || x.shape()[k] == first.shape()[k];
        MDQ_CHECK(same, "concat: along dim ", dim, " every other size must match, got ",
                  shapes_of(xs));
        out[d] += x.shape()[d];
    }
    return out;
}

class ConcatBackward final : public Node {
  public:
    ConcatBackward(int64_t dim, std::vector<int64_t> sizes) : dim_(dim), sizes_(std::move(sizes)) {}
    const char* name() const override { return "concat"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        std::vector<Tensor> out(sizes_.size());
        int64_t start = 0;
        for (size_t i = 0; i < sizes_.size(); ++i) {
            if (next_edges[i].valid()) out[i] = g[0].slice(dim_, start, start + sizes_[i]);
            start += sizes_[i];
        }
        return out;
    }

  private:
    int64_t dim_;
    std::vector<int64_t> sizes_;
};

}  // namespace

void concat_into(const std::vector<Tensor>& xs, int64_t dim, const Tensor& out) {
    int64_t d = 0;
    const Shape shape = concat_shape(xs, dim, d);
    check_defined("concat", out);
    MDQ_CHECK(out.shape() == shape, "concat: output shape ", out.shape(), " but the inputs (",
              shapes_of(xs), ") concatenate to ", shape);
    check_same_dtype("concat", xs[0], out);
    check_same_device("concat", xs[0], out);
    int64_t start = 0;
    for (const Tensor& x : xs) {
        const int64_t len = x.shape()[d];
        if (len > 0) copy_tensor(out.detach().slice(d, start, start + len), x);
        start += len;
    }
}

Tensor concat(const std::vector<Tensor>& xs, int64_t dim) {
    int64_t d = 0;
    const Shape shape = concat_shape(xs, dim, d);  // checks xs before xs[0] is read
    Tensor out = Tensor::empty(shape, xs[0].dtype(), xs[0].device());
    concat_into(xs, dim, out);
    if (any_requires_grad(xs)) {
        std::vector<int64_t> sizes;
        for (const Tensor& x : xs)
            sizes.push_back(x.shape()[d]);
        connect(std::make_shared<ConcatBackward>(d, std::move(sizes)), xs, {out});
    }
    return out;
}

}  // namespace mdq
