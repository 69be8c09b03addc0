// Element types of mdq tensors, their traits, and the macros that dispatch on them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/half.h"

// The dtypes, once: X(enumerator, C++ type, name, long name, ...), floating types first. The
// enum, DTypeOf, dtype_size, dtype_name, dtype_from_name, is_floating and the dispatch macros
// below are generated from these lists; arguments after the fourth are passed through to X.
#define MDQ_FLOATING_DTYPES(X, ...)                       \
    X(F32, float, "f32", "float32", __VA_ARGS__)          \
    X(F64, double, "f64", "float64", __VA_ARGS__)         \
    X(BF16, ::mdq::bf16, "bf16", "bfloat16", __VA_ARGS__) \
    X(F16, ::mdq::f16, "f16", "float16", __VA_ARGS__)
#define MDQ_INTEGER_DTYPES(X, ...)               \
    X(I32, int32_t, "i32", "int32", __VA_ARGS__) \
    X(I64, int64_t, "i64", "int64", __VA_ARGS__) \
    X(U8, uint8_t, "u8", "uint8", __VA_ARGS__)
#define MDQ_DTYPES(X, ...) MDQ_FLOATING_DTYPES(X, __VA_ARGS__) MDQ_INTEGER_DTYPES(X, __VA_ARGS__)

namespace mdq {

enum class DType : uint8_t {
#define MDQ_DTYPE_ENUMERATOR(ENUM, ...) ENUM,
    MDQ_DTYPES(MDQ_DTYPE_ENUMERATOR)
#undef MDQ_DTYPE_ENUMERATOR
};

size_t dtype_size(DType dt);
const char* dtype_name(DType dt);
DType dtype_from_name(const std::string& name);  // "f32", "float32", "F32", "bf16", ...
inline bool is_floating(DType dt) {
#define MDQ_IS_DTYPE(ENUM, ...) dt == DType::ENUM ||
    return MDQ_FLOATING_DTYPES(MDQ_IS_DTYPE) false;
#undef MDQ_IS_DTYPE
}

template <class T>
struct DTypeOf;
#define MDQ_DTYPE_OF(ENUM, TYPE, ...)               \
    template <>                                     \
    struct DTypeOf<TYPE> {                          \
        static constexpr DType value = DType::ENUM; \
    };
MDQ_DTYPES(MDQ_DTYPE_OF)
#undef MDQ_DTYPE_OF

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

#define MDQ_DTYPE_CASE(ENUM, TYPE, NAME, LONG_NAME, ...) \
    case ::mdq::DType::ENUM: {                           \
        using scalar_t = TYPE;                           \
        return __VA_ARGS__();                            \
    }

// Runs the lambda with scalar_t bound to the C++ type of DT (floating types only).
#define MDQ_DISPATCH_FLOATING(DT, NAME, ...)                      \
    [&] {                                                         \
        switch (DT) {                                             \
            MDQ_FLOATING_DTYPES(MDQ_DTYPE_CASE, __VA_ARGS__)      \
            default:                                              \
                ::mdq::detail::throw_unsupported_dtype(NAME, DT); \
        }                                                         \
    }()

// Same over every dtype.
#define MDQ_DISPATCH_ALL(DT, NAME, ...)                           \
    [&] {                                                         \
        switch (DT) {                                             \
            MDQ_DTYPES(MDQ_DTYPE_CASE, __VA_ARGS__)               \
            default:                                              \
                ::mdq::detail::throw_unsupported_dtype(NAME, DT); \
        }                                                         \
    }()
