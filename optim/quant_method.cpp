#include "optim/quant_method.h"

#include "core/error.h"

namespace mdq {

namespace {
// Indexed by Method.
const MethodInfo kMethods[kNumMethods] = {
#define MDQ_METHOD_ROW(M, NAME, MAX_LEVELS, SUMMARY) {Method::M, NAME, MAX_LEVELS, SUMMARY},
    MDQ_METHODS(MDQ_METHOD_ROW)
#undef MDQ_METHOD_ROW
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
