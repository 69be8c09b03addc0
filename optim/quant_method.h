// The quantization methods of docs/METHOD.md (sections 1 and 5) and their registry: the name used
// in configs and on the command line, what the optimizer stores per weight, which level counts
// each method supports. Adding a quantizer is one row of MDQ_METHODS and its cases in the math
// header and the fused step body (docs/QUANTIZATION.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/hd.h"
#include "kernels/quant/quant_math.h"

namespace mdq {

// The methods, once: X(enumerator, name in configs, most levels, summary). The enum,
// kNumMethods, the registry (quant_method.cpp) and visit_method are generated from it. Level
// limits (kernels/quant/quant_math.h): BC and PICM are binary by construction (docs/METHOD.md 5),
// the simplex methods keep d logits per weight in registers.
#define MDQ_METHODS(X)                                                                           \
    X(Float, "float", math::kMaxLevels,                                                          \
      "full precision (REF): the optimizer updates the weight itself")                           \
    X(MdTanhS, "md-tanh-s", math::kMaxLevels,                                                    \
      "w = P_beta(u), identity gradient to u (docs/METHOD.md 1.6)")                              \
    X(MdSoftmaxS, "md-softmax-s", math::kMaxSimplexLevels,                                       \
      "w = <q, softmax(beta z)>, identity gradient to z")                                        \
    X(MdTanh, "md-tanh", math::kMaxLevels,                                                       \
      "primal x, x <- P(P^-1(x) - eta d) (docs/METHOD.md 1.5)")                                  \
    X(MdSoftmax, "md-softmax", math::kMaxSimplexLevels,                                          \
      "primal simplex x, exponentiated gradient (docs/METHOD.md 1.5)")                           \
    X(GdTanh, "gd-tanh", math::kMaxLevels, "w = P_beta(u), exact chain rule")                    \
    X(Bc, "bc", 2, "BinaryConnect: w = sign(u), clipped STE")                                    \
    X(Pmf, "pmf", math::kMaxSimplexLevels, "proximal mean-field: softmax, approximate Jacobian") \
    X(Picm, "picm", 2, "one-hot argmax forward, clipped STE")                                    \
    X(ProxQuant, "proxquant", math::kMaxLevels,                                                  \
      "w = theta, prox towards the levels after each step")                                      \
    X(DoReFa, "dorefa", math::kMaxLevels,                                                        \
      "DoReFa-Net weights: 2 quantize_k(tanh(u) / (2 max|tanh u|) + 1/2) - 1; k=1 sign(u) "      \
      "mean|u|")                                                                                 \
    X(Ewgs, "ewgs", math::kMaxLevels,                                                            \
      "EWGS weights: |alpha| (2 x_q - 1) of a learned interval, in the layer (weight_quant.h)")

enum class Method : uint8_t {
#define MDQ_METHOD_ENUMERATOR(M, ...) M,
    MDQ_METHODS(MDQ_METHOD_ENUMERATOR)
#undef MDQ_METHOD_ENUMERATOR
};
#define MDQ_COUNT_ONE(...) +1
constexpr int kNumMethods = 0 MDQ_METHODS(MDQ_COUNT_ONE);
#undef MDQ_COUNT_ONE

// What the optimizer keeps per weight besides the weight the forward reads.
enum class StoredKind : uint8_t {
    Weight,        // nothing: the stored variable is the weight (float)
    Aux,           // one unconstrained auxiliary u (or theta) per weight
    Primal,        // the primal x in (-1, 1), or its dual coordinate atanh(x) (stores_dual)
    SimplexAux,    // d logits per weight
    SimplexPrimal  // d simplex coordinates per weight, or their logs (stores_dual)
};

struct MethodInfo {
    Method method;
    const char* name;
    int max_levels;
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
        case Method::Ewgs:  // the latent weight; the layer quantizes it
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
// The weight itself is the stored variable (no copy): float.
MDQ_HD constexpr bool stores_weight(StoredKind s) {
    return s == StoredKind::Weight;
}
// Primal MD with the stable numerics (md_stable, the default) keeps the mirror map's dual
// coordinate of x instead of x: binary md-tanh y = atanh(x), md-softmax z = log x up to a
// constant per group. The step is the same mirror step (y <- y - beta delta, z <- z - beta
// delta), but f32 holds y and z where it cannot hold x next to a vertex (docs/QUANTIZATION.md 2).
// md-tanh with d > 2 levels has no beta-free dual coordinate and keeps x, clamped.
MDQ_HD constexpr bool stores_dual(Method m, int levels, bool stable) {
    return stable && (m == Method::MdSoftmax || (m == Method::MdTanh && levels == 2));
}
// A per-tensor statistic some methods need (docs/RELATED_METHODS.md 6.1): refreshed after the fused
// update by a reduction over the new stored variable; the weights of such parameters are
// projected by a second pass that reads it. EWGS and BSQ would add pre-update statistics of
// the gradient in the same slots (docs/QUANTIZATION.md).
enum class TensorStat : uint8_t {
    None,
    MaxAbsTanh,  // DoReFa k >= 2: max over the tensor of |tanh(u)|
    MeanAbs,     // DoReFa k = 1: mean over the tensor of |u|, the scale of sign(u)
};
MDQ_HD constexpr TensorStat method_stat(Method m, int levels) {
    if (m != Method::DoReFa) return TensorStat::None;
    return levels == 2 ? TensorStat::MeanAbs : TensorStat::MaxAbsTanh;
}
MDQ_HD constexpr bool has_tensor_stat(Method m) {
    return method_stat(m, 2) != TensorStat::None;
}

// Methods whose weight is quantized inside the layer's forward by a module with learned
// parameters (EWGS: layers/weight_quant.h): the optimizer updates the latent weight the layer
// reads as a float one and never projects or rounds it; the forward is already on the levels.
MDQ_HD constexpr bool quantized_by_layer(Method m) {
    return m == Method::Ewgs;
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
#define MDQ_VISIT_METHOD_CASE(M, ...) \
    case Method::M:                   \
        return f(MethodTag<Method::M>{});
        MDQ_METHODS(MDQ_VISIT_METHOD_CASE)
#undef MDQ_VISIT_METHOD_CASE
    }
}

}  // namespace mdq
