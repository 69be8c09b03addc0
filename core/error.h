// mdq's exception types and the argument-check macros (docs/DESIGN.md decision 10).
// Every public function validates its inputs with MDQ_CHECK and throws an mdq::Error subclass
// whose message says what was expected and where the check sits.
#pragma once

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace mdq {

class Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};
// Bad arguments from the caller: shapes, dtypes, devices, out-of-range values.
class ValueError : public Error {
  public:
    using Error::Error;
};
// Files: missing, truncated, corrupt or unwritable.
class IoError : public Error {
  public:
    using Error::Error;
};
// A CUDA/cuDNN/NCCL/MPI path was requested but this build does not contain it.
class NotCompiledError : public Error {
  public:
    using Error::Error;
};
// A library call failed; code is the library's status value.
class CudaError : public Error {
  public:
    CudaError(int code, const std::string& msg) : Error(msg), code_(code) {}
    int code() const { return code_; }

  private:
    int code_;
};
class CublasError : public CudaError {
  public:
    using CudaError::CudaError;
};
class CudnnError : public CudaError {
  public:
    using CudaError::CudaError;
};
class NcclError : public CudaError {
  public:
    using CudaError::CudaError;
};
class CommError : public Error {
  public:
    using Error::Error;
};

namespace detail {

inline void put(std::ostream& os, const std::vector<int64_t>& v) {
    os << '[';
    for (size_t i = 0; i < v.size(); ++i)
        os << (i ? ", " : "") << v[i];
    os << ']';
}
template <class T>
void put(std::ostream& os, const T& v) {
    os << v;
}

// Concatenates the message parts; std::vector<int64_t> (a Shape) prints as [a, b, c].
template <class... Args>
std::string cat(const Args&... args) {
    std::ostringstream os;
    (put(os, args), ...);
    return os.str();
}

[[noreturn]] void throw_check_failed(const char* file, int line, const char* expr,
                                     const std::string& msg);
std::string located(const char* file, int line, const std::string& msg);

}  // namespace detail
}  // namespace mdq

// Throws mdq::ValueError with the message parts, the failing expression and file:line.
#define MDQ_CHECK(cond, ...)                                                    \
    do {                                                                        \
        if (!(cond))                                                            \
            ::mdq::detail::throw_check_failed(__FILE__, __LINE__, #cond,        \
                                              ::mdq::detail::cat(__VA_ARGS__)); \
    } while (0)

// Throws the given mdq::Error subclass with the message parts and file:line.
#define MDQ_THROW(ErrorType, ...) \
    throw ErrorType(::mdq::detail::located(__FILE__, __LINE__, ::mdq::detail::cat(__VA_ARGS__)))
