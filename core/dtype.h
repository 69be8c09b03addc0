// Element types of mdq tensors, their traits, and the macros that dispatch on them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/half.h"

namespace mdq {

enum class DType : uint8_t { F32, F64, BF16, F16, I32, I64, U8 };

size_t dtype_size(DType dt);
const char* dtype_name(DType dt);
DType dtype_from_name(const std::string& name);  // "f32", "float32", "bf16", ...
inline bool is_floating(DType dt) {
    return dt == DType::F32 || dt == DType::F64 || dt == DType::BF16 || dt == DType::F16;
}

template <class T>
struct DTypeOf;
template <>
struct DTypeOf<float> {
    static constexpr DType value = DType::F32;
};
template <>
struct DTypeOf<double> {
    static constexpr DType value = DType::F64;
};
template <>
struct DTypeOf<bf16> {
    static constexpr DType value = DType::BF16;
};
template <>
struct DTypeOf<f16> {
    static constexpr DType value = DType::F16;
};
template <>
struct DTypeOf<int32_t> {
    static constexpr DType value = DType::I32;
};
template <>
struct DTypeOf<int64_t> {
    static constexpr DType value = DType::I64;
};
template <>
struct DTypeOf<uint8_t> {
    static constexpr DType value = DType::U8;
};

// The type arithmetic runs in: float for the 16-bit types, double for f64, the type itself else.
template <class T>
struct AccType {
    using type = T;
};
template <>
struct AccType<bf16> {
    using type = float;
};
template <>
struct AccType<f16> {
    using type = float;
};
template <class T>
using acc_t = typename AccType<T>::type;

namespace detail {
[[noreturn]] void throw_unsupported_dtype(const char* op, DType dt);
}

}  // namespace mdq

#define MDQ_DTYPE_CASE(ENUM, TYPE, ...) \
    case ::mdq::DType::ENUM: {          \
        using scalar_t = TYPE;          \
        return __VA_ARGS__();           \
    }

// Runs the lambda with scalar_t bound to the C++ type of DT (floating types only).
#define MDQ_DISPATCH_FLOATING(DT, NAME, ...)                      \
    [&] {                                                         \
        switch (DT) {                                             \
            MDQ_DTYPE_CASE(F32, float, __VA_ARGS__)               \
            MDQ_DTYPE_CASE(F64, double, __VA_ARGS__)              \
            MDQ_DTYPE_CASE(BF16, ::mdq::bf16, __VA_ARGS__)        \
            MDQ_DTYPE_CASE(F16, ::mdq::f16, __VA_ARGS__)          \
            default:                                              \
                ::mdq::detail::throw_unsupported_dtype(NAME, DT); \
        }                                                         \
    }()

// Same over every dtype.
#define MDQ_DISPATCH_ALL(DT, NAME, ...)                           \
    [&] {                                                         \
        switch (DT) {                                             \
            MDQ_DTYPE_CASE(F32, float, __VA_ARGS__)               \
            MDQ_DTYPE_CASE(F64, double, __VA_ARGS__)              \
            MDQ_DTYPE_CASE(BF16, ::mdq::bf16, __VA_ARGS__)        \
            MDQ_DTYPE_CASE(F16, ::mdq::f16, __VA_ARGS__)          \
            MDQ_DTYPE_CASE(I32, int32_t, __VA_ARGS__)             \
            MDQ_DTYPE_CASE(I64, int64_t, __VA_ARGS__)             \
            MDQ_DTYPE_CASE(U8, uint8_t, __VA_ARGS__)              \
            default:                                              \
                ::mdq::detail::throw_unsupported_dtype(NAME, DT); \
        }                                                         \
    }()
