#include "tools/mdq/format.h"

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"

namespace mdq::tools {

std::string with_commas(int64_t v) {
    std::string digits = std::to_string(v < 0 ? -v : v), out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return v < 0 ? "-" + out : out;
}

std::map<std::string, int64_t> parse_widths(const std::string& json) {
    std::map<std::string, int64_t> widths;
    if (json.empty()) return widths;
    const nlohmann::json w = nlohmann::json::parse(json, nullptr, false);
    MDQ_CHECK(w.is_object(), "--widths must be a JSON object {\"batch norm\": channels}, got '",
              json, "'");
    for (const auto& [bn, c] : w.items()) {
        MDQ_CHECK(c.is_number_integer(), "--widths: '", bn, "' must map to a channel count");
        widths[bn] = c.get<int64_t>();
    }
    return widths;
}

void parse_size(const std::string& text, int64_t& h, int64_t& w) {
    char* end = nullptr;
    h = std::strtoll(text.c_str(), &end, 10);
    w = h;
    if (*end == 'x' || *end == 'X') w = std::strtoll(end + 1, &end, 10);
    MDQ_CHECK(*end == '\0' && h > 0 && w > 0 && !text.empty(), "--input: expected HxW or H ",
              "with positive sizes (e.g. 32x32), got '", text, "'");
}

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

}  // namespace mdq::tools
