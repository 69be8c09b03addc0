#include "core/tensor.h"

#include <cstdint>
#include <cstring>
#include <sstream>

#include "core/autograd.h"
#include "core/out_of_memory.h"
#include "core/tensor_primitives.h"

namespace mdq {

TensorImpl::TensorImpl() = default;
TensorImpl::~TensorImpl() = default;

// ---------------------------------------------------------------- creation

namespace {
// The storage of a new tensor; a refusal names the tensor (shape, dtype, device) it was for.
std::shared_ptr<Storage> allocate_storage(const Shape& shape, DType dtype, Device device) {
    const size_t n = static_cast<size_t>(mdq::numel(shape));
    const auto tensor_text = [&] {
        return detail::cat("cannot allocate a tensor ", dtype_name(dtype), shape, " on ",
                           device.str(), ": ");
    };
    if (n > SIZE_MAX / dtype_size(dtype))
        throw OutOfMemoryError(tensor_text() + "it would need more than 2^64 bytes");
    return with_allocation_context(
        tensor_text, [&] { return std::make_shared<Storage>(n * dtype_size(dtype), device); });
}
}  // namespace

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
    for (int64_t s : shape)
        MDQ_CHECK(s >= 0, "Tensor::empty: negative size in shape ", shape);
    auto impl = std::make_shared<TensorImpl>();
    impl->storage = allocate_storage(shape, dtype, device);
    impl->shape = shape;
    impl->strides = contiguous_strides(shape);
    impl->dtype = dtype;
    return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) {
    Tensor t = empty(shape, dtype, device);
    t.zero_();
    return t;
}

Tensor Tensor::ones(const Shape& shape, DType dtype, Device device) {
    return full(shape, 1.0, dtype, device);
}

Tensor Tensor::full(const Shape& shape, double value, DType dtype, Device device) {
    Tensor t = empty(shape, dtype, device);
    t.fill_(value);
    return t;
}

Tensor Tensor::scalar(double value, DType dtype, Device device) {
    return full({}, value, dtype, device);
}

template <class T>
Tensor Tensor::from_vector(const std::vector<T>& v, const Shape& shape, Device device) {
    MDQ_CHECK(static_cast<int64_t>(v.size()) == mdq::numel(shape),
              "Tensor::from_vector: ", v.size(), " values for shape ", shape, " (",
              mdq::numel(shape), " elements)");
    Tensor host = empty(shape, DTypeOf<T>::value, Device::cpu());
    if (!v.empty()) std::memcpy(host.raw_data(), v.data(), v.size() * sizeof(T));
    return device.is_cpu() ? host : host.to(device);
}

Tensor Tensor::view_of(std::shared_ptr<Storage> storage, const Shape& shape, const Shape& strides,
                       int64_t offset, DType dtype) {
    MDQ_CHECK(storage != nullptr, "Tensor::view_of: null storage");
    MDQ_CHECK(shape.size() == strides.size(), "Tensor::view_of: shape ", shape, " and strides ",
              strides, " differ in length");
    int64_t last = offset;
    for (size_t i = 0; i < shape.size(); ++i)
        if (shape[i] > 0) last += (shape[i] - 1) * strides[i];
    MDQ_CHECK(
        offset >= 0 && (mdq::numel(shape) == 0 ||
                        static_cast<size_t>(last + 1) * dtype_size(dtype) <= storage->nbytes()),
        "Tensor::view_of: shape ", shape, " strides ", strides, " offset ", offset,
        " reach outside a storage of ", storage->nbytes(), " bytes");
    auto impl = std::make_shared<TensorImpl>();
    impl->storage = std::move(storage);
    impl->shape = shape;
    impl->strides = strides;
    impl->offset = offset;
    impl->dtype = dtype;
    return Tensor(std::move(impl));
}

// ---------------------------------------------------------------- metadata

int64_t Tensor::size(int64_t d) const {
    return shape()[normalize_dim(d, dim(), "size")];
}
int64_t Tensor::stride(int64_t d) const {
    return strides()[normalize_dim(d, dim(), "stride")];
}

bool Tensor::is_contiguous() const {
    if (numel() == 0) return true;  // no element to misplace, whatever the strides
    int64_t expected = 1;
    for (int64_t i = dim() - 1; i >= 0; --i) {
        if (shape()[i] == 1) continue;
        if (strides()[i] != expected) return false;
        expected *= shape()[i];
    }
    return true;
}

std::string Tensor::str() const {
    if (!defined()) return "undefined tensor";
    return detail::cat(dtype_name(dtype()), shape(), " on ", device().str());
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
    return os << t.str();
}

void* Tensor::raw_data() const {
    return static_cast<char*>(impl().storage->data()) +
           offset() * static_cast<int64_t>(element_size());
}

template <class T>
std::vector<T> Tensor::to_vector() const {
    Tensor host = to(Device::cpu()).to(DTypeOf<T>::value).contiguous();
    std::vector<T> out(static_cast<size_t>(host.numel()));
    if (!out.empty()) std::memcpy(out.data(), host.raw_data(), out.size() * sizeof(T));
    return out;
}

template <class T>
T Tensor::item() const {
    MDQ_CHECK(numel() == 1, "item(): the tensor ", str(), " has ", numel(),
              " elements, expected exactly one");
    return to_vector<T>()[0];
}

#define MDQ_INSTANTIATE_HOST_IO(T)                                                       \
    template Tensor Tensor::from_vector<T>(const std::vector<T>&, const Shape&, Device); \
    template std::vector<T> Tensor::to_vector<T>() const;                                \
    template T Tensor::item<T>() const;
MDQ_INSTANTIATE_HOST_IO(float)
MDQ_INSTANTIATE_HOST_IO(double)
MDQ_INSTANTIATE_HOST_IO(bf16)
MDQ_INSTANTIATE_HOST_IO(f16)
MDQ_INSTANTIATE_HOST_IO(int32_t)
MDQ_INSTANTIATE_HOST_IO(int64_t)
MDQ_INSTANTIATE_HOST_IO(uint8_t)
#undef MDQ_INSTANTIATE_HOST_IO

// ---------------------------------------------------------------- copies

namespace {

// Gradient passes through unchanged, converted back to the input's device and dtype.
class CopyBackward final : public Node {
  public:
    CopyBackward(Device d, DType dt) : device_(d), dtype_(dt) {}
    const char* name() const override { return "CopyBackward"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        return {g[0].to(device_).to(dtype_)};
    }

  private:
    Device device_;
    DType dtype_;
};

Tensor copy_as(const Tensor& src, Device device, DType dtype) {
    Tensor out = Tensor::empty(src.shape(), dtype, device);
    copy_tensor(out, src);
    if (any_requires_grad({src})) {
        if (is_floating(dtype)) {
            connect(std::make_shared<CopyBackward>(src.device(), src.dtype()), {src}, {out});
        }
    }
    return out;
}

}  // namespace

Tensor Tensor::contiguous() const {
    return is_contiguous() ? *this : clone();
}
Tensor Tensor::clone() const {
    return copy_as(*this, device(), dtype());
}
Tensor Tensor::to(Device d) const {
    return d == device() ? *this : copy_as(*this, d, dtype());
}
Tensor Tensor::to(DType dt) const {
    return dt == dtype() ? *this : copy_as(*this, device(), dt);
}

Tensor Tensor::detach() const {
    auto impl = std::make_shared<TensorImpl>();
    impl->storage = impl_->storage;
    impl->shape = impl_->shape;
    impl->strides = impl_->strides;
    impl->offset = impl_->offset;
    impl->dtype = impl_->dtype;
    return Tensor(std::move(impl));
}

Tensor& Tensor::copy_(const Tensor& src) {
    check_defined("copy_", src);
    MDQ_CHECK(src.shape() == shape(), "copy_: source shape ", src.shape(),
              " differs from destination shape ", shape());
    copy_tensor(*this, src);
    return *this;
}

Tensor& Tensor::fill_(double value) {
    fill_tensor(*this, value);
    return *this;
}

Tensor& Tensor::zero_() {
    return fill_(0.0);
}

// ---------------------------------------------------------------- autograd

bool Tensor::requires_grad() const {
    const auto& a = impl().autograd;
    return a && a->requires_grad;
}

Tensor& Tensor::set_requires_grad(bool on) {
    MDQ_CHECK(!on || is_floating(dtype()),
              "set_requires_grad: only floating tensors can require "
              "grad, not ",
              str());
    MDQ_CHECK(is_leaf(), "set_requires_grad: ", str(), " is the output of ", grad_fn()->name(),
              "; only leaf tensors can change requires_grad (use detach())");
    if (!impl().autograd) impl().autograd = std::make_unique<AutogradMeta>();
    impl().autograd->requires_grad = on;
    return *this;
}

Tensor Tensor::grad() const {
    const auto& a = impl().autograd;
    return a ? a->grad : Tensor();
}

void Tensor::set_grad(const Tensor& g) {
    if (g.defined()) {
        MDQ_CHECK(g.shape() == shape(), "set_grad: gradient shape ", g.shape(),
                  " differs from tensor shape ", shape());
        MDQ_CHECK(g.device() == device(), "set_grad: gradient on ", g.device().str(),
                  " for a tensor on ", device().str());
    }
    if (!impl().autograd) impl().autograd = std::make_unique<AutogradMeta>();
    impl().autograd->grad = g;
}

std::shared_ptr<Node> Tensor::grad_fn() const {
    const auto& a = impl().autograd;
    return a ? a->grad_fn : nullptr;
}

bool Tensor::is_leaf() const {
    return grad_fn() == nullptr;
}

void Tensor::backward(const Tensor& grad, bool retain_graph) const {
    run_backward({*this}, {grad}, retain_graph);
}

// ---------------------------------------------------------------- checks

void check_defined(const char* op, const Tensor& t) {
    MDQ_CHECK(t.defined(), op, ": got an undefined tensor");
}

void check_same_device(const char* op, const Tensor& a, const Tensor& b) {
    MDQ_CHECK(a.device() == b.device(), op, ": tensors on different devices: ", a.str(), " and ",
              b.str(), " (move one with .to())");
}

void check_same_dtype(const char* op, const Tensor& a, const Tensor& b) {
    MDQ_CHECK(a.dtype() == b.dtype(), op, ": dtype mismatch: ", a.str(), " and ", b.str(),
              " (convert one with .to(dtype))");
}

}  // namespace mdq
