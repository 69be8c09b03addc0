// Small formatting and parsing helpers shared by the mdq subcommands.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace mdq::tools {

// 11164362 -> "11,164,362".
std::string with_commas(int64_t v);
// "32x48" -> (32, 48), "64" -> (64, 64); throws mdq::ValueError naming the text otherwise.
void parse_size(const std::string& text, int64_t& h, int64_t& w);
// --widths of a thinned model: a JSON object {"batch norm": channels} (model.json's
// model_widths, docs/PRUNING.md); "" gives none.
std::map<std::string, int64_t> parse_widths(const std::string& json);
// "a,b,c" -> {"a", "b", "c"} (empty items dropped).
std::vector<std::string> split_list(const std::string& text);

}  // namespace mdq::tools
