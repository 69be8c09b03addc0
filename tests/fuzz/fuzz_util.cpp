#include "tests/fuzz/fuzz_util.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace mdq::fuzz {

namespace fs = std::filesystem;

std::vector<std::string> split_input(const uint8_t* data, size_t size, size_t parts) {
    const std::string in(reinterpret_cast<const char*>(data), size);
    const std::string sep = kSplit;
    std::vector<std::string> out;
    size_t begin = 0;
    while (out.size() + 1 < parts) {
        const size_t at = in.find(sep, begin);
        if (at == std::string::npos) break;
        out.push_back(in.substr(begin, at - begin));
        begin = at + sep.size();
    }
    out.push_back(in.substr(std::min(begin, in.size())));
    out.resize(parts);
    return out;
}

std::string join_parts(const std::vector<std::string>& parts) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i)
        out += (i ? kSplit : "") + parts[i];
    return out;
}

namespace {
struct Scratch {
    std::string path;
    Scratch() {
        const fs::path base = fs::is_directory("/dev/shm") && ::access("/dev/shm", W_OK) == 0
                                  ? fs::path("/dev/shm")
                                  : fs::temp_directory_path();
        std::string pattern = (base / "mdq_fuzz_XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed: " + pattern);
        path = pattern;
    }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};
}  // namespace

const std::string& scratch_dir() {
    static Scratch s;
    return s.path;
}

std::string write_scratch(const std::string& name, const std::string& bytes) {
    const std::string path = scratch_dir() + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write the fuzz scratch file " + path);
    return path;
}

}  // namespace mdq::fuzz
