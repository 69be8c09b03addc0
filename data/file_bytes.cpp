#include "data/file_bytes.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <new>

#include "core/error.h"
#include "core/out_of_memory.h"

namespace mdq::data {

namespace {

// Sizes `out` for n bytes read from `path`. A size over the memory available, or one the
// system refuses, is an OutOfMemoryError naming the file, not std::bad_alloc; the check comes
// first because under overcommit a huge block may be granted and then kill the process.
void resize_for(std::vector<uint8_t>& out, size_t n, const std::string& path) {
    if (n <= out.capacity()) {
        out.resize(n);
        return;
    }
    const size_t avail = host_memory_available();
    const auto refuse = [&] {
        throw OutOfMemoryError(detail::cat("cannot read '", path, "': it needs ", byte_size_text(n),
                                           " of memory, ", byte_size_text(avail), " available"));
    };
    if (avail > 0 && n - out.size() > avail) refuse();
    try {
        out.resize(n);
    } catch (const std::bad_alloc&) {
        refuse();
    }
}

bool has_gzip_magic(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    unsigned char magic[2] = {0, 0};
    const size_t n = std::fread(magic, 1, 2, f);
    std::fclose(f);
    return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

std::vector<uint8_t> inflate_file(const std::string& path) {
    gzFile gz = gzopen(path.c_str(), "rb");
    if (!gz) MDQ_THROW(IoError, "cannot open ", path, ": ", std::strerror(errno));
    gzbuffer(gz, 1 << 17);
    std::vector<uint8_t> out;
    size_t used = 0;
    for (;;) {
        if (out.size() - used < (1u << 20))
            resize_for(out, std::max<size_t>(2 * out.size(), 1u << 20), path);
        const unsigned want = static_cast<unsigned>(std::min<size_t>(out.size() - used, 1u << 30));
        const int got = gzread(gz, out.data() + used, want);
        if (got < 0) {
            int code = 0;
            const std::string why = gzerror(gz, &code);
            gzclose(gz);
            MDQ_THROW(IoError, path, ": corrupt gzip stream after ", used, " uncompressed bytes (",
                      why, ")");
        }
        used += static_cast<size_t>(got);
        if (got == 0) break;
    }
    // zlib reports a stream cut short only through gzerror once reading stops.
    int code = Z_OK;
    const std::string why = gzerror(gz, &code);
    gzclose(gz);
    if (code != Z_OK && code != Z_STREAM_END)
        MDQ_THROW(IoError, path, ": truncated or corrupt gzip stream after ", used,
                  " uncompressed bytes (", why, ")");
    out.resize(used);
    out.shrink_to_fit();
    return out;
}

}  // namespace

void read_raw_file(const std::string& path, std::vector<uint8_t>& out) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) MDQ_THROW(IoError, "cannot open ", path, ": ", std::strerror(errno));
    std::fseek(f, 0, SEEK_END);
    const long size = std::ftell(f);
    std::fseek(f, 0, SEEK_SET);
    try {
        resize_for(out, size > 0 ? static_cast<size_t>(size) : 0, path);
    } catch (...) {
        std::fclose(f);
        throw;
    }
    const size_t got = out.empty() ? 0 : std::fread(out.data(), 1, out.size(), f);
    std::fclose(f);
    if (size < 0 || got != out.size())
        MDQ_THROW(IoError, "cannot read ", path, ": got ", got, " of ", size, " bytes");
}

std::vector<uint8_t> read_file_bytes(const std::string& path) {
    if (has_gzip_magic(path)) return inflate_file(path);
    std::vector<uint8_t> out;
    read_raw_file(path, out);
    return out;
}

bool file_exists(const std::string& path) {
    std::error_code ec;
    return std::filesystem::is_regular_file(path, ec);
}

bool dir_exists(const std::string& path) {
    std::error_code ec;
    return std::filesystem::is_directory(path, ec);
}

std::string first_existing(const std::vector<std::string>& candidates) {
    for (const std::string& c : candidates)
        if (file_exists(c)) return c;
    return "";
}

}  // namespace mdq::data
