// Tensor: a view (shape, strides, offset, dtype) over shared Storage on one device, plus the
// autograd record of how it was computed. Copying a Tensor copies the handle, not the data:
// copies share gradients and history. Activations are NHWC and convolution weights OHWI.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/device.h"
#include "core/dtype.h"
#include "core/error.h"
#include "core/shape.h"
#include "core/storage.h"

namespace mdq {

class Node;
struct AutogradMeta;

struct TensorImpl {
    std::shared_ptr<Storage> storage;
    Shape shape;
    Shape strides;       // in elements
    int64_t offset = 0;  // in elements
    DType dtype = DType::F32;
    std::unique_ptr<AutogradMeta> autograd;
    TensorImpl();
    ~TensorImpl();
};

class Tensor {
  public:
    Tensor() = default;
    explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

    // ------------------------------------------------------------ creation
    static Tensor empty(const Shape& shape, DType dtype = DType::F32,
                        Device device = Device::cpu());
    static Tensor zeros(const Shape& shape, DType dtype = DType::F32,
                        Device device = Device::cpu());
    static Tensor ones(const Shape& shape, DType dtype = DType::F32, Device device = Device::cpu());
    static Tensor full(const Shape& shape, double value, DType dtype = DType::F32,
                       Device device = Device::cpu());
    static Tensor scalar(double value, DType dtype = DType::F32, Device device = Device::cpu());
    // Copies host values; v.size() must equal numel(shape).
    template <class T>
    static Tensor from_vector(const std::vector<T>& v, const Shape& shape,
                              Device device = Device::cpu());
    // A tensor over existing storage (shares it).
    static Tensor view_of(std::shared_ptr<Storage> storage, const Shape& shape,
                          const Shape& strides, int64_t offset, DType dtype);

    // ------------------------------------------------------------ metadata
    bool defined() const { return impl_ != nullptr; }
    const Shape& shape() const { return impl().shape; }
    const Shape& strides() const { return impl().strides; }
    int64_t dim() const { return static_cast<int64_t>(impl().shape.size()); }
    int64_t size(int64_t d) const;  // negative d counts from the end
    int64_t stride(int64_t d) const;
    int64_t offset() const { return impl().offset; }
    int64_t numel() const { return mdq::numel(impl().shape); }
    size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype()); }
    size_t element_size() const { return dtype_size(dtype()); }
    DType dtype() const { return impl().dtype; }
    Device device() const { return impl().storage->device(); }
    bool is_cuda() const { return device().is_cuda(); }
    bool is_contiguous() const;
    const std::shared_ptr<Storage>& storage() const { return impl().storage; }
    std::string str() const;  // "f32[2, 3] on cpu"

    // Pointer to the first element. data<T>() checks that T matches the dtype.
    void* raw_data() const;
    template <class T>
    T* data() const {
        MDQ_CHECK(DTypeOf<T>::value == dtype(), "data<", dtype_name(DTypeOf<T>::value),
                  ">() called on a ", dtype_name(dtype()), " tensor");
        return static_cast<T*>(raw_data());
    }

    // Host copy of all elements in row-major order (any device, any strides).
    template <class T>
    std::vector<T> to_vector() const;
    // The single element of a one-element tensor, converted to T.
    template <class T>
    T item() const;

    // ------------------------------------------------------------ views (differentiable)
    Tensor reshape(const Shape& shape) const;  // a view when the strides allow, else a copy
    Tensor view(const Shape& shape) const;     // a view, or an error
    Tensor permute(const std::vector<int64_t>& dims) const;
    Tensor transpose(int64_t d0, int64_t d1) const;
    Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
    Tensor select(int64_t dim, int64_t index) const;  // slice that drops the dim
    Tensor expand(const Shape& shape) const;
    Tensor unsqueeze(int64_t dim) const;
    Tensor squeeze(int64_t dim) const;
    Tensor flatten(int64_t start = 0, int64_t end = -1) const;

    // ------------------------------------------------------------ copies
    Tensor contiguous() const;       // self when already contiguous
    Tensor clone() const;            // always a new contiguous copy (differentiable)
    Tensor to(Device device) const;  // differentiable; self when already there
    Tensor to(DType dtype) const;    // differentiable cast; self when already that dtype
    Tensor detach() const;           // same data, no history, no grad
    // In-place, not recorded by autograd: copies src (same shape; any device/dtype) into self.
    Tensor& copy_(const Tensor& src);
    Tensor& fill_(double value);
    Tensor& zero_();

    // ------------------------------------------------------------ autograd
    bool requires_grad() const;
    Tensor& set_requires_grad(bool on);
    Tensor grad() const;             // undefined until a backward pass reaches this tensor
    void set_grad(const Tensor& g);  // g undefined clears it
    std::shared_ptr<Node> grad_fn() const;
    bool is_leaf() const;
    void retain_grad();
    // Runs backward from this tensor. grad defaults to 1 for a one-element tensor.
    void backward(const Tensor& grad = Tensor(), bool retain_graph = false) const;

    TensorImpl* impl_ptr() const { return impl_.get(); }
    const std::shared_ptr<TensorImpl>& impl_shared() const { return impl_; }
    bool is_same(const Tensor& o) const { return impl_ == o.impl_; }

  private:
    TensorImpl& impl() const {
        MDQ_CHECK(impl_ != nullptr, "operation on an undefined tensor");
        return *impl_;
    }
    std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// Throws naming `op` unless every tensor is on `t`'s device.
void check_same_device(const char* op, const Tensor& a, const Tensor& b);
void check_same_dtype(const char* op, const Tensor& a, const Tensor& b);
void check_defined(const char* op, const Tensor& t);

}  // namespace mdq
