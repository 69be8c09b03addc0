#include "core/dtype.h"

#include "core/error.h"

namespace mdq {

size_t dtype_size(DType dt) {
    switch (dt) {
        case DType::F32:
            return 4;
        case DType::F64:
            return 8;
        case DType::BF16:
            return 2;
        case DType::F16:
            return 2;
        case DType::I32:
            return 4;
        case DType::I64:
            return 8;
        case DType::U8:
            return 1;
    }
    MDQ_THROW(ValueError, "unknown dtype code ", static_cast<int>(dt));
}

const char* dtype_name(DType dt) {
    switch (dt) {
        case DType::F32:
            return "f32";
        case DType::F64:
            return "f64";
        case DType::BF16:
            return "bf16";
        case DType::F16:
            return "f16";
        case DType::I32:
            return "i32";
        case DType::I64:
            return "i64";
        case DType::U8:
            return "u8";
    }
    return "unknown";
}

DType dtype_from_name(const std::string& name) {
    if (name == "f32" || name == "float32" || name == "F32") return DType::F32;
    if (name == "f64" || name == "float64" || name == "F64") return DType::F64;
    if (name == "bf16" || name == "bfloat16" || name == "BF16") return DType::BF16;
    if (name == "f16" || name == "float16" || name == "F16") return DType::F16;
    if (name == "i32" || name == "int32" || name == "I32") return DType::I32;
    if (name == "i64" || name == "int64" || name == "I64") return DType::I64;
    if (name == "u8" || name == "uint8" || name == "U8" || name == "bool" || name == "BOOL")
        return DType::U8;
    MDQ_THROW(ValueError, "unknown dtype '", name,
              "' (expected one of f32, f64, bf16, f16, i32, i64, u8)");
}

namespace detail {
void throw_unsupported_dtype(const char* op, DType dt) {
    MDQ_THROW(ValueError, op, ": dtype ", dtype_name(dt), " is not supported");
}
}  // namespace detail

}  // namespace mdq
