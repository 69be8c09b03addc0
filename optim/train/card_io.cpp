#include "optim/train/card_io.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "core/error.h"
#include "data/safetensors.h"
#include "optim/train/quant_card.h"

namespace mdq {

namespace {

using nlohmann::json;

std::string text(const json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string bits_cell(const json& q) {
    if (q.is_null()) return "-";
    if (q["levels"].get<int>() == 0) return "32 (float)";
    std::string s = std::to_string(q["bits"].get<int>()) + " (" +
                    std::to_string(q["levels"].get<int>()) + " levels";
    if (q["granularity"] != "none") s += ", per " + text(q["granularity"]);
    if (q["scheme"] == "affine") s += q["symmetric"].get<bool>() ? ", sym" : ", asym";
    return s + ")";
}

std::string number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

// Leaf fields of j under `path`; arrays of named objects are keyed by name.
void flatten(const json& j, const std::string& path,
             std::vector<std::pair<std::string, json>>& out) {
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it)
            flatten(it.value(), path.empty() ? it.key() : path + "." + it.key(), out);
    } else if (j.is_array() && !j.empty() && j.front().is_object() && j.front().contains("name")) {
        for (const json& e : j)
            flatten(e, path + "[" + text(e["name"]) + "]", out);
    } else {
        out.emplace_back(path, j);
    }
}

}  // namespace

void write_card(const std::string& dir, const json& card) {
    write_file_atomic(dir + "/card.json", card.dump(2) + "\n");
    write_file_atomic(dir + "/card.md", card_markdown(card));
}

json read_card(const std::string& path) {
    std::ifstream f(path);
    MDQ_CHECK(f.good(), "cannot read the quantization card '", path, "'");
    json j;
    try {
        f >> j;
    } catch (const json::exception& e) {
        MDQ_THROW(ValueError, "'", path, "' is not JSON: ", e.what());
    }
    MDQ_CHECK(j.is_object() && j.value("schema", "") == "mdq.quant_card", "'", path,
              "' is not a quantization card (no \"schema\": \"mdq.quant_card\")");
    MDQ_CHECK(j.value("version", 0) >= 1 && j.value("version", 0) <= kCardVersion, "'", path,
              "' is a card of version ", j.value("version", 0), "; this build reads 1 to ",
              kCardVersion);
    return j;
}

std::string card_markdown(const json& c) {
    std::ostringstream o;
    const json& m = c["model"];
    const json& q = c["quantization"];
    o << "# Quantization card: " << text(m["name"]) << " (" << text(c["run"]["command"]) << ")\n\n"
      << "Schema mdq.quant_card version " << c["version"] << " (docs/CARD.md); mdq "
      << text(c["run"]["mdq_version"]) << ", commit " << text(c["run"]["commit"]) << ", "
      << text(c["run"]["created"]) << ".\n\n## Model\n\n| field | value |\n| --- | --- |\n";
    for (auto it = m.begin(); it != m.end(); ++it)
        o << "| " << it.key() << " | "
          << (it.value().is_number_float() ? number(it.value().get<double>()) : text(it.value()))
          << " |\n";
    o << "\n## Quantization choices\n\n| field | value |\n| --- | --- |\n";
    for (auto it = q.begin(); it != q.end(); ++it)
        o << "| " << it.key() << " | " << text(it.value()) << " |\n";
    o << "\n## Layers\n\n| layer | kind | W bits | A bits (input) | G bits | MACs | BOPs | W "
         "scale / rounding | A observer |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- "
         "|\n";
    for (const json& l : c["layers"]) {
        if (l["kind"] != "gemm") continue;
        o << "| " << text(l["name"]) << " | " << text(l["type"]) << " | " << bits_cell(l["weight"])
          << " | " << bits_cell(l["input"]) << " | " << bits_cell(l["gradient"]) << " | "
          << l["macs"] << " | " << number(l["bops"].get<double>()) << " | "
          << text(l["weight"]["scale"]) << "; " << text(l["weight"]["rounding"]) << " | "
          << text(l["input"]["observer"]) << " |\n";
    }
    o << "\nOther layers (float unless listed): ";
    bool any = false;
    for (const json& l : c["layers"]) {
        if (l["kind"] == "gemm") continue;
        o << (any ? ", " : "") << text(l["name"]) << " (" << text(l["kind"]);
        if (l.contains("output_quant") && l["output_quant"]["levels"].get<int>() > 0)
            o << ", output " << bits_cell(l["output_quant"]);
        o << ")";
        any = true;
    }
    o << ".\n\n## Training\n\n";
    for (auto it = c["training"].begin(); it != c["training"].end(); ++it)
        o << "- " << it.key() << ": " << text(it.value()) << "\n";
    o << "\n## Data\n\n";
    for (auto it = c["data"].begin(); it != c["data"].end(); ++it)
        o << "- " << it.key() << ": " << text(it.value()) << "\n";
    if (!c["results"].empty()) {
        o << "\n## Results\n\n";
        for (auto it = c["results"].begin(); it != c["results"].end(); ++it)
            o << "- " << it.key() << ": " << text(it.value()) << "\n";
    }
    return o.str();
}

std::vector<CardDifference> compare_cards(const json& a, const json& b) {
    std::vector<std::pair<std::string, json>> fa, fb;
    flatten(a, "", fa);
    flatten(b, "", fb);
    std::map<std::string, const json*> in_b;
    for (const auto& [path, v] : fb)
        in_b[path] = &v;
    std::vector<CardDifference> out;
    std::map<std::string, bool> seen;
    for (const auto& [path, v] : fa) {
        seen[path] = true;
        if (path == "run.created") continue;
        const auto it = in_b.find(path);
        if (it == in_b.end())
            out.push_back({path, v.dump(), "(absent)"});
        else if (*it->second != v)
            out.push_back({path, v.dump(), it->second->dump()});
    }
    for (const auto& [path, v] : fb)
        if (!seen.count(path) && path != "run.created") out.push_back({path, "(absent)", v.dump()});
    return out;
}

}  // namespace mdq
