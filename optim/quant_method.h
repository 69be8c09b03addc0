// The quantization methods of docs/METHOD.md (sections 1 and 5) and their registry: the name used
// in configs and on the command line, what the optimizer stores per weight, which level counts
// each method supports. Adding a quantizer is one enum value, one registry row and its cases
// in the math header and the fused step body (docs/QUANTIZATION.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/hd.h"

namespace mdq {

enum class Method : uint8_t {
    Float,       // full precision (REF): the optimizer updates the weight itself
    MdTanhS,     // "md-tanh-s": w = P_beta(u), g_u = g_w
    MdSoftmaxS,  // "md-softmax-s": w = <q, softmax(beta z)>, g_z = g_x
    MdTanh,      // "md-tanh": primal x, closed-form MD step through P^-1
    MdSoftmax,   // "md-softmax": primal simplex x, exponentiated gradient
    GdTanh,      // "gd-tanh": w = P_beta(u), exact chain rule
    Bc,          // "bc": BinaryConnect, w = sign(u), clipped STE
    Pmf,         // "pmf": proximal mean-field, softmax with the approximate Jacobian
    Picm,        // "picm": one-hot argmax forward, binary only
    ProxQuant,   // "proxquant": w = theta, prox towards the levels after every step
    DoReFa,      // "dorefa": DoReFa-Net's k-bit weights from tanh(u) / max|tanh(u)|
};
constexpr int kNumMethods = 11;

// What the optimizer keeps per weight besides the weight the forward reads.
enum class StoredKind : uint8_t {
    Weight,        // nothing: the stored variable is the weight (float)
    Aux,           // one unconstrained auxiliary u (or theta) per weight
    Primal,        // the primal x in (-1, 1), which is also the weight
    SimplexAux,    // d logits per weight
    SimplexPrimal  // d simplex coordinates per weight
};

struct MethodInfo {
    Method method;
    const char* name;
    int min_levels, max_levels;
    const char* summary;
};

const MethodInfo& method_info(Method m);
const char* method_name(Method m);
// Throws naming the unknown method and listing the known ones.
Method parse_method(const std::string& name);
std::vector<std::string> method_names();
// Throws unless `levels` is supported by `m` (binary-only methods, the simplex limit of 16).
void check_levels(Method m, int levels);

MDQ_HD constexpr StoredKind method_storage(Method m) {
    switch (m) {
        case Method::Float:
            return StoredKind::Weight;
        case Method::MdTanh:
            return StoredKind::Primal;
        case Method::MdSoftmaxS:
        case Method::Pmf:
        case Method::Picm:
            return StoredKind::SimplexAux;
        case Method::MdSoftmax:
            return StoredKind::SimplexPrimal;
        default:
            return StoredKind::Aux;
    }
}
MDQ_HD constexpr bool is_simplex(StoredKind s) {
    return s == StoredKind::SimplexAux || s == StoredKind::SimplexPrimal;
}
// The weight itself is the stored variable (no copy): float and primal md-tanh.
MDQ_HD constexpr bool stores_weight(StoredKind s) {
    return s == StoredKind::Weight || s == StoredKind::Primal;
}
// A per-tensor statistic some methods need (docs/RELATED_METHODS.md 6.1): refreshed after the fused
// update by a reduction over the new stored variable; the weights of such parameters are
// projected by a second pass that reads it. EWGS and BSQ would add pre-update statistics of
// the gradient in the same slots (docs/QUANTIZATION.md).
enum class TensorStat : uint8_t {
    None,
    MaxAbsTanh,  // DoReFa: max over the tensor of |tanh(u)|
};
MDQ_HD constexpr TensorStat method_stat(Method m) {
    return m == Method::DoReFa ? TensorStat::MaxAbsTanh : TensorStat::None;
}

// Stored values per weight: d for the simplex methods, else 1.
inline int values_per_weight(Method m, int levels) {
    return is_simplex(method_storage(m)) ? levels : 1;
}

// Calls f(MethodTag<M>{}) with M = m as a compile-time constant, so kernels can instantiate
// one inner loop per method and branch once per chunk.
template <Method M>
struct MethodTag {
    static constexpr Method value = M;
};
template <class F>
MDQ_HD void visit_method(Method m, F&& f) {
    switch (m) {
        case Method::Float:
            return f(MethodTag<Method::Float>{});
        case Method::MdTanhS:
            return f(MethodTag<Method::MdTanhS>{});
        case Method::MdSoftmaxS:
            return f(MethodTag<Method::MdSoftmaxS>{});
        case Method::MdTanh:
            return f(MethodTag<Method::MdTanh>{});
        case Method::MdSoftmax:
            return f(MethodTag<Method::MdSoftmax>{});
        case Method::GdTanh:
            return f(MethodTag<Method::GdTanh>{});
        case Method::Bc:
            return f(MethodTag<Method::Bc>{});
        case Method::Pmf:
            return f(MethodTag<Method::Pmf>{});
        case Method::Picm:
            return f(MethodTag<Method::Picm>{});
        case Method::ProxQuant:
            return f(MethodTag<Method::ProxQuant>{});
        case Method::DoReFa:
            return f(MethodTag<Method::DoReFa>{});
    }
}

}  // namespace mdq
