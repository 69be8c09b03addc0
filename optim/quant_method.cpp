#include "optim/quant_method.h"

#include "core/error.h"
#include "kernels/quant/quant_math.h"

namespace mdq {

namespace {
constexpr int kAny = math::kMaxLevels;
constexpr int kSimplex = math::kMaxSimplexLevels;

// Indexed by Method. Level limits: BC and PICM are binary by construction (docs/METHOD.md 5).
const MethodInfo kMethods[kNumMethods] = {
    {Method::Float, "float", 2, kAny, "full precision (REF)"},
    {Method::MdTanhS, "md-tanh-s", 2, kAny,
     "w = P_beta(u), identity gradient to u (docs/METHOD.md 1.6)"},
    {Method::MdSoftmaxS, "md-softmax-s", 2, kSimplex,
     "w = <q, softmax(beta z)>, identity gradient to z"},
    {Method::MdTanh, "md-tanh", 2, kAny, "primal x, x <- P(P^-1(x) - eta d) (docs/METHOD.md 1.5)"},
    {Method::MdSoftmax, "md-softmax", 2, kSimplex,
     "primal simplex x, exponentiated gradient (docs/METHOD.md 1.5)"},
    {Method::GdTanh, "gd-tanh", 2, kAny, "w = P_beta(u), exact chain rule"},
    {Method::Bc, "bc", 2, 2, "BinaryConnect: w = sign(u), clipped STE"},
    {Method::Pmf, "pmf", 2, kSimplex, "proximal mean-field: softmax, approximate Jacobian"},
    {Method::Picm, "picm", 2, 2, "one-hot argmax forward, clipped STE"},
    {Method::ProxQuant, "proxquant", 2, kAny, "w = theta, prox towards the levels after each step"},
    {Method::DoReFa, "dorefa", 2, kAny,
     "DoReFa-Net weights: 2 quantize_k(tanh(u) / (2 max|tanh u|) + 1/2) - 1"},
};
}  // namespace

const MethodInfo& method_info(Method m) {
    const int i = static_cast<int>(m);
    MDQ_CHECK(i >= 0 && i < kNumMethods, "method_info: invalid method value ", i);
    return kMethods[i];
}

const char* method_name(Method m) {
    return method_info(m).name;
}

std::vector<std::string> method_names() {
    std::vector<std::string> out;
    for (const MethodInfo& mi : kMethods)
        out.emplace_back(mi.name);
    return out;
}

Method parse_method(const std::string& name) {
    for (const MethodInfo& mi : kMethods)
        if (name == mi.name) return mi.method;
    std::string known;
    for (const MethodInfo& mi : kMethods)
        known += std::string(known.empty() ? "" : ", ") + mi.name;
    MDQ_THROW(ValueError, "unknown quantization method '", name, "'; known methods: ", known);
}

void check_levels(Method m, int levels) {
    const MethodInfo& mi = method_info(m);
    MDQ_CHECK(levels >= 2, "method ", mi.name,
              ": levels must be >= 2 (2 = binary, 3 = ternary), got ", levels);
    MDQ_CHECK(levels <= mi.max_levels, "method ", mi.name, " supports ",
              mi.max_levels == 2 ? "only binary weights (levels 2)"
                                 : "at most " + std::to_string(mi.max_levels) + " levels",
              ", got levels ", levels);
}

}  // namespace mdq
