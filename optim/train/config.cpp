#include "optim/train/config.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace mdq {

namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::vector<std::string> split_commas(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty()) out.push_back(item);
    return out;
}

[[noreturn]] void bad_type(const ConfigKey& k, const nlohmann::json& v, const std::string& source);

bool is_list(ConfigType t) {
    return t == ConfigType::IntList || t == ConfigType::FloatList || t == ConfigType::StringList;
}

void bad_type(const ConfigKey& k, const nlohmann::json& v, const std::string& source) {
    MDQ_THROW(ValueError, "config key '", k.name, "' from ", source, " must be a ",
              config_type_name(k.type), ", got ", v.dump());
}

}  // namespace

const char* config_type_name(ConfigType t) {
    switch (t) {
        case ConfigType::Int:
            return "integer";
        case ConfigType::Float:
            return "number";
        case ConfigType::Bool:
            return "boolean";
        case ConfigType::String:
            return "string";
        case ConfigType::IntList:
            return "list of integers";
        case ConfigType::FloatList:
            return "list of numbers";
        case ConfigType::StringList:
            return "list of strings";
        case ConfigType::Object:
            return "JSON object";
    }
    return "value";
}

Config::Config(std::vector<ConfigKey> schema) : schema_(std::move(schema)) {
    for (const ConfigKey& k : schema_)
        coerce(k, k.default_value, "the schema default");
}

const ConfigKey& Config::key(const std::string& name) const {
    for (const ConfigKey& k : schema_)
        if (k.name == name) return k;
    std::string best;
    size_t best_d = 1000;
    for (const ConfigKey& k : schema_) {
        const size_t d = edit_distance(name, k.name);
        if (d < best_d) best_d = d, best = k.name;
    }
    MDQ_THROW(ValueError, "unknown config key '", name, "'",
              best_d <= 3 ? " (did you mean '" + best + "'?)" : std::string(),
              "; `mdq train --help-config` lists the keys");
}

nlohmann::json Config::coerce(const ConfigKey& k, const nlohmann::json& v,
                              const std::string& source) const {
    switch (k.type) {
        case ConfigType::Int:
            if (v.is_number_integer()) return v;
            if (v.is_number_float() &&
                v.get<double>() == static_cast<double>(static_cast<int64_t>(v.get<double>())))
                return static_cast<int64_t>(v.get<double>());
            bad_type(k, v, source);
        case ConfigType::Float:
            if (v.is_number()) return v.get<double>();
            bad_type(k, v, source);
        case ConfigType::Bool:
            if (v.is_boolean()) return v;
            bad_type(k, v, source);
        case ConfigType::String:
            if (v.is_string()) return v;
            bad_type(k, v, source);
        case ConfigType::Object:
            if (v.is_object()) return v;
            bad_type(k, v, source);
        case ConfigType::IntList:
        case ConfigType::FloatList:
        case ConfigType::StringList: {
            if (!v.is_array()) bad_type(k, v, source);
            for (const auto& e : v) {
                const bool ok = k.type == ConfigType::IntList     ? e.is_number_integer()
                                : k.type == ConfigType::FloatList ? e.is_number()
                                                                  : e.is_string();
                if (!ok) bad_type(k, v, source);
            }
            return v;
        }
    }
    bad_type(k, v, source);
}

void Config::merge(const nlohmann::json& obj, const std::string& source) {
    MDQ_CHECK(obj.is_object(), "config from ", source, " must be a JSON object");
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        if (it.key().rfind("_", 0) == 0) continue;  // "_comment" and friends
        const ConfigKey& k = key(it.key());
        values_[k.name] = coerce(k, it.value(), source);
    }
}

void Config::merge_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) MDQ_THROW(IoError, "cannot open config file '", path, "'");
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(in, nullptr, true, /*ignore_comments=*/true);
    } catch (const std::exception& e) {
        MDQ_THROW(ValueError, "config file '", path, "' is not valid JSON: ", e.what());
    }
    merge(j, "'" + path + "'");
}

void Config::set(const std::string& assignment) {
    const size_t eq = assignment.find('=');
    MDQ_CHECK(eq != std::string::npos && eq > 0, "--set expects key=value, got '", assignment, "'");
    const std::string name = assignment.substr(0, eq), text = assignment.substr(eq + 1);
    const ConfigKey& k = key(name);
    const std::string source = "--set " + assignment;
    nlohmann::json v;
    if (k.type == ConfigType::String) {
        v = text;
    } else if (k.type == ConfigType::StringList && !text.empty() && text[0] != '[') {
        v = split_commas(text);
    } else if (is_list(k.type) && !text.empty() && text[0] != '[') {
        v = nlohmann::json::array();
        for (const std::string& item : split_commas(text)) {
            const auto e = nlohmann::json::parse(item, nullptr, false);
            if (e.is_discarded())
                MDQ_THROW(ValueError, "config key '", name, "' from ", source, " must be a ",
                          config_type_name(k.type), ", got '", text, "'");
            v.push_back(e);
        }
    } else {
        v = nlohmann::json::parse(text, nullptr, false);
        if (v.is_discarded())
            MDQ_THROW(ValueError, "config key '", name, "' from ", source, " must be a ",
                      config_type_name(k.type), ", got '", text, "'");
    }
    values_[k.name] = coerce(k, v, source);
}

bool Config::has(const std::string& name) const {
    key(name);
    return values_.contains(name);
}

const nlohmann::json& Config::get_json(const std::string& name) const {
    const ConfigKey& k = key(name);
    return values_.contains(name) ? values_.at(name) : k.default_value;
}

int64_t Config::get_int(const std::string& k) const {
    return get_json(k).get<int64_t>();
}
double Config::get_float(const std::string& k) const {
    return get_json(k).get<double>();
}
bool Config::get_bool(const std::string& k) const {
    return get_json(k).get<bool>();
}
std::string Config::get_string(const std::string& k) const {
    return get_json(k).get<std::string>();
}
std::vector<int64_t> Config::get_int_list(const std::string& k) const {
    return get_json(k).get<std::vector<int64_t>>();
}
std::vector<double> Config::get_float_list(const std::string& k) const {
    return get_json(k).get<std::vector<double>>();
}
std::vector<std::string> Config::get_string_list(const std::string& k) const {
    return get_json(k).get<std::vector<std::string>>();
}

nlohmann::json Config::effective() const {
    nlohmann::json out = nlohmann::json::object();
    for (const ConfigKey& k : schema_)
        out[k.name] = get_json(k.name);
    return out;
}

std::string Config::help_text() const {
    std::ostringstream os;
    for (const ConfigKey& k : schema_)
        os << "  " << k.name << " (" << config_type_name(k.type) << ", default "
           << k.default_value.dump() << "): " << k.help << "\n";
    return os.str();
}

}  // namespace mdq
