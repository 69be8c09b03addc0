// Typed configuration for `mdq train`: a schema of keys (type, default, help), values from a
// JSON file and `--set key=value` overrides. Unknown keys and wrong types are errors that
// name the key (and suggest the closest known one).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mdq {

enum class ConfigType { Int, Float, Bool, String, IntList, FloatList, StringList, Object };

struct ConfigKey {
    std::string name;
    ConfigType type;
    nlohmann::json default_value;
    std::string help;
};

class Config {
  public:
    explicit Config(std::vector<ConfigKey> schema);

    // Merges a JSON object (keys checked against the schema); `source` names it in errors.
    void merge(const nlohmann::json& obj, const std::string& source);
    void merge_file(const std::string& path);
    // "key=value": the value is parsed according to the key's type (lists: comma-separated,
    // or JSON; objects: JSON).
    void set(const std::string& assignment);

    bool has(const std::string& key) const;  // set explicitly (file or --set), not defaulted
    int64_t get_int(const std::string& key) const;
    double get_float(const std::string& key) const;
    bool get_bool(const std::string& key) const;
    std::string get_string(const std::string& key) const;
    std::vector<int64_t> get_int_list(const std::string& key) const;
    std::vector<double> get_float_list(const std::string& key) const;
    std::vector<std::string> get_string_list(const std::string& key) const;
    const nlohmann::json& get_json(const std::string& key) const;

    // Every key with its effective value (what a run records in its output folder).
    nlohmann::json effective() const;
    const std::vector<ConfigKey>& schema() const { return schema_; }
    // One line per key: name, type, default, help.
    std::string help_text() const;

  private:
    const ConfigKey& key(const std::string& name) const;
    nlohmann::json coerce(const ConfigKey& k, const nlohmann::json& v,
                          const std::string& source) const;

    std::vector<ConfigKey> schema_;
    nlohmann::json values_ = nlohmann::json::object();
};

const char* config_type_name(ConfigType t);

}  // namespace mdq
