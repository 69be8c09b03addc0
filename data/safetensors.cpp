#include "data/safetensors.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

namespace mdq {

namespace {

const char* st_dtype(DType dt) {
    switch (dt) {
        case DType::F32:
            return "F32";
        case DType::F64:
            return "F64";
        case DType::BF16:
            return "BF16";
        case DType::F16:
            return "F16";
        case DType::I32:
            return "I32";
        case DType::I64:
            return "I64";
        case DType::U8:
            return "U8";
    }
    return "F32";
}

[[noreturn]] void io_fail(const std::string& what, const std::string& path) {
    MDQ_THROW(IoError, what, " '", path, "': ", std::strerror(errno));
}

std::string folder_of(const std::string& path) {
    const size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

// Writes all n bytes; false with errno set when the system refuses (ENOSPC, EIO, EFBIG).
bool write_whole(int fd, const char* data, size_t n) {
    while (n > 0) {
        const ssize_t w = ::write(fd, data, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return false;
        if (w == 0) {
            errno = EIO;
            return false;
        }
        data += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& bytes) {
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) io_fail("cannot create", tmp);
    // A full disk may show at write, fsync or close (delayed allocation, network file systems).
    // The message names the file asked for, the temporary one, and that nothing was replaced.
    auto fail = [&](const char* step, int err) {
        ::unlink(tmp.c_str());
        MDQ_THROW(IoError, "cannot write '", path, "': ", step, " of its temporary file '", tmp,
                  "' failed: ", std::strerror(err), "; the previous '", path,
                  "', if any, is unchanged");
    };
    const char* step = nullptr;
    if (!write_whole(fd, bytes.data(), bytes.size()))
        step = "write";
    else if (::fsync(fd) != 0)
        step = "fsync";
    if (step) {
        const int err = errno;
        ::close(fd);
        fail(step, err);
    }
    if (::close(fd) != 0) fail("close", errno);
    if (::rename(tmp.c_str(), path.c_str()) != 0) fail("the rename", errno);
    const int dir = ::open(folder_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        ::fsync(dir);  // makes the rename durable; failure here cannot undo it
        ::close(dir);
    }
}

void append_whole(int fd, const std::string& bytes, const std::string& path) {
    const off_t end = ::lseek(fd, 0, SEEK_END);
    if (end < 0) io_fail("cannot append to", path);
    if (write_whole(fd, bytes.data(), bytes.size())) return;
    const int err = errno;
    const bool cut = ::ftruncate(fd, end) == 0;  // drops the part of the row that got written
    MDQ_THROW(IoError, "cannot append to '", path, "': ", std::strerror(err),
              cut ? "; the file keeps its earlier rows, whole" : "; the last row may be partial");
}

void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
    nlohmann::json header = nlohmann::json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::vector<Tensor> host;
    size_t offset = 0;
    for (const auto& [name, t] : tensors) {
        MDQ_CHECK(name != "__metadata__" && !name.empty(), "save_safetensors: bad tensor name '",
                  name, "'");
        check_defined("save_safetensors", t);
        Tensor h = t.detach().to(Device::cpu()).contiguous();
        header[name] = {{"dtype", st_dtype(h.dtype())},
                        {"shape", h.shape()},
                        {"data_offsets", {offset, offset + h.nbytes()}}};
        offset += h.nbytes();
        host.push_back(h);
    }
    std::string json = header.dump();
    json.append((8 - json.size() % 8) % 8, ' ');  // keeps the data 8-byte aligned
    std::string bytes(8, '\0');
    const uint64_t n = json.size();
    for (int i = 0; i < 8; ++i)
        bytes[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    bytes += json;
    bytes.reserve(bytes.size() + offset);
    for (const Tensor& h : host)
        bytes.append(static_cast<const char*>(h.raw_data()), h.nbytes());
    write_file_atomic(path, bytes);
}

SafetensorsFile load_safetensors(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) io_fail("cannot open", path);
    in.seekg(0, std::ios::end);
    const uint64_t size = static_cast<uint64_t>(in.tellg());
    in.seekg(0);
    MDQ_CHECK(size >= 8, "safetensors file '", path, "' is truncated: ", size,
              " bytes, shorter than the 8-byte header length");
    unsigned char len[8];
    in.read(reinterpret_cast<char*>(len), 8);
    uint64_t n = 0;
    for (int i = 0; i < 8; ++i)
        n |= static_cast<uint64_t>(len[i]) << (8 * i);
    if (n > size - 8)
        MDQ_THROW(IoError, "safetensors file '", path, "' is truncated or corrupt: header length ",
                  n, " exceeds the file size ", size);
    std::string json(n, '\0');
    in.read(json.data(), static_cast<std::streamsize>(n));
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(json);
    } catch (const std::exception& e) {
        MDQ_THROW(IoError, "safetensors file '", path, "' has a corrupt JSON header: ", e.what());
    }
    const uint64_t data_size = size - 8 - n;
    std::vector<char> data(data_size);
    in.read(data.data(), static_cast<std::streamsize>(data_size));
    if (!in) MDQ_THROW(IoError, "cannot read the data of '", path, "'");
    SafetensorsFile out;
    if (!header.is_object())
        MDQ_THROW(IoError, "safetensors file '", path, "': the header is a JSON ",
                  header.type_name(), ", expected an object");
    for (auto it = header.begin(); it != header.end(); ++it) {
        if (it.key() == "__metadata__") {
            if (!it.value().is_object())
                MDQ_THROW(IoError, "safetensors file '", path, "': __metadata__ is a JSON ",
                          it.value().type_name(), ", expected an object");
            for (auto m = it.value().begin(); m != it.value().end(); ++m) {
                if (!m.value().is_string())
                    MDQ_THROW(IoError, "safetensors file '", path, "': metadata '", m.key(),
                              "' is ", m.value().type_name(), ", expected a string");
                out.metadata[m.key()] = m.value().get<std::string>();
            }
            continue;
        }
        try {
            const auto& e = it.value();
            const DType dt = dtype_from_name(e.at("dtype").get<std::string>());
            const Shape shape = e.at("shape").get<Shape>();
            for (int64_t d : shape)
                MDQ_CHECK(d >= 0, "shape ", shape, " has a negative dimension");
            const auto offs = e.at("data_offsets").get<std::vector<uint64_t>>();
            MDQ_CHECK(offs.size() == 2 && offs[0] <= offs[1] && offs[1] <= data_size,
                      "data_offsets out of the file's ", data_size, " data bytes");
            MDQ_CHECK(offs[1] - offs[0] == static_cast<uint64_t>(numel(shape)) * dtype_size(dt),
                      "data_offsets span ", offs[1] - offs[0], " bytes, shape ", shape, " needs ",
                      numel(shape) * static_cast<int64_t>(dtype_size(dt)));
            Tensor t = Tensor::empty(shape, dt);
            if (t.nbytes()) std::memcpy(t.raw_data(), data.data() + offs[0], t.nbytes());
            out.tensors[it.key()] = t;
        } catch (const std::exception& ex) {  // mdq::Error and nlohmann::json's type errors
            MDQ_THROW(IoError, "safetensors file '", path, "', tensor '", it.key(),
                      "': ", ex.what());
        }
    }
    return out;
}

}  // namespace mdq
