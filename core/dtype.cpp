#include "core/dtype.h"

#include "core/error.h"

namespace mdq {

size_t dtype_size(DType dt) {
    switch (dt) {
#define MDQ_DTYPE_SIZE_CASE(ENUM, TYPE, ...) \
    case DType::ENUM:                        \
        return sizeof(TYPE);
        MDQ_DTYPES(MDQ_DTYPE_SIZE_CASE)
#undef MDQ_DTYPE_SIZE_CASE
    }
    MDQ_THROW(ValueError, "unknown dtype code ", static_cast<int>(dt));
}

const char* dtype_name(DType dt) {
    switch (dt) {
#define MDQ_DTYPE_NAME_CASE(ENUM, TYPE, NAME, ...) \
    case DType::ENUM:                              \
        return NAME;
        MDQ_DTYPES(MDQ_DTYPE_NAME_CASE)
#undef MDQ_DTYPE_NAME_CASE
    }
    return "unknown";
}

DType dtype_from_name(const std::string& name) {
#define MDQ_DTYPE_FROM_NAME(ENUM, TYPE, NAME, LONG_NAME, ...) \
    if (name == NAME || name == LONG_NAME || name == #ENUM) return DType::ENUM;
    MDQ_DTYPES(MDQ_DTYPE_FROM_NAME)
#undef MDQ_DTYPE_FROM_NAME
    if (name == "bool" || name == "BOOL") return DType::U8;  // safetensors' and NumPy's bool
    std::string known;
#define MDQ_DTYPE_KNOWN(ENUM, TYPE, NAME, ...) \
    known += std::string(known.empty() ? "" : ", ") + NAME;
    MDQ_DTYPES(MDQ_DTYPE_KNOWN)
#undef MDQ_DTYPE_KNOWN
    MDQ_THROW(ValueError, "unknown dtype '", name, "' (expected one of ", known, ")");
}

namespace detail {
void throw_unsupported_dtype(const char* op, DType dt) {
    MDQ_THROW(ValueError, op, ": dtype ", dtype_name(dt), " is not supported");
}
}  // namespace detail

}  // namespace mdq
