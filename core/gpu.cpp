// GPU runtime queries. Compiled in every build; the CUDA calls exist only when CUDA was built.
#include "core/gpu.h"

#include <cstdlib>
#include <mutex>
#include <string>

#include "core/error.h"
#include "mdq/config.h"

#if MDQ_WITH_CUDA
#include "core/cuda_check.h"
#endif
#if MDQ_WITH_CUDNN
#include <cudnn.h>
#endif
#if MDQ_WITH_NCCL
#include <nccl.h>
#endif

namespace mdq::gpu {

namespace {
#if MDQ_WITH_CUDA
bool disabled_by_env() {
    const char* v = std::getenv("MDQ_DISABLE_CUDA");
    return v && std::string(v) != "0" && std::string(v) != "";
}

int probe_device_count() {
    if (disabled_by_env()) return 0;
    int n = 0;
    const cudaError_t err = cudaGetDeviceCount(&n);
    if (err != cudaSuccess) {
        (void)cudaGetLastError();  // no driver or no device: clear and report none
        return 0;
    }
    return n;
}
#endif

[[maybe_unused]] std::string dotted(int major, int minor, int patch = -1) {
    std::string s = std::to_string(major) + "." + std::to_string(minor);
    if (patch >= 0) s += "." + std::to_string(patch);
    return s;
}

void require_device(int device) {
    MDQ_CHECK(available(), "no usable GPU (CUDA ",
              MDQ_WITH_CUDA ? "built in but no device answers, or MDQ_DISABLE_CUDA is set"
                            : "not built in",
              ")");
    MDQ_CHECK(device >= 0 && device < device_count(), "GPU index ", device,
              " out of range: ", device_count(), " GPU(s) visible");
}
}  // namespace

int device_count() {
#if MDQ_WITH_CUDA
    static const int n = probe_device_count();
    return n;
#else
    return 0;
#endif
}

bool available() {
    return device_count() > 0;
}

int current_device() {
#if MDQ_WITH_CUDA
    if (!available()) return -1;
    int d = 0;
    CHECK_CUDA(cudaGetDevice(&d));
    return d;
#else
    return -1;
#endif
}

void set_device(int device) {
    require_device(device);
#if MDQ_WITH_CUDA
    CHECK_CUDA(cudaSetDevice(device));
#endif
}

void synchronize(int device) {
    if (!available()) return;
#if MDQ_WITH_CUDA
    if (device < 0) {
        CHECK_CUDA(cudaDeviceSynchronize());
        return;
    }
    int prev = current_device();
    CHECK_CUDA(cudaSetDevice(device));
    CHECK_CUDA(cudaDeviceSynchronize());
    CHECK_CUDA(cudaSetDevice(prev));
#else
    (void)device;
#endif
}

DeviceInfo device_info(int device) {
    require_device(device);
    DeviceInfo info;
#if MDQ_WITH_CUDA
    cudaDeviceProp p{};
    CHECK_CUDA(cudaGetDeviceProperties(&p, device));
    info.name = p.name;
    info.major = p.major;
    info.minor = p.minor;
    info.total_memory = p.totalGlobalMem;
    info.multiprocessors = p.multiProcessorCount;
#endif
    return info;
}

std::string runtime_version() {
#if MDQ_WITH_CUDA
    int v = 0;
    if (cudaRuntimeGetVersion(&v) != cudaSuccess) return "unknown";
    return dotted(v / 1000, (v % 1000) / 10);
#else
    return "not built";
#endif
}

std::string driver_version() {
#if MDQ_WITH_CUDA
    int v = 0;
    if (cudaDriverGetVersion(&v) != cudaSuccess || v == 0) {
        (void)cudaGetLastError();
        return "no driver";
    }
    return dotted(v / 1000, (v % 1000) / 10);
#else
    return "not built";
#endif
}

std::string cublas_version() {
#if MDQ_WITH_CUDA
    int ma = 0, mi = 0, pa = 0;
    if (cublasGetProperty(MAJOR_VERSION, &ma) != CUBLAS_STATUS_SUCCESS ||
        cublasGetProperty(MINOR_VERSION, &mi) != CUBLAS_STATUS_SUCCESS ||
        cublasGetProperty(PATCH_LEVEL, &pa) != CUBLAS_STATUS_SUCCESS)
        return "unknown";
    return dotted(ma, mi, pa);
#else
    return "not built";
#endif
}

std::string cudnn_version() {
#if MDQ_WITH_CUDNN
    const size_t v = cudnnGetVersion();  // major*10000 + minor*100 + patch since cuDNN 9
    return dotted(static_cast<int>(v / 10000), static_cast<int>((v % 10000) / 100),
                  static_cast<int>(v % 100));
#else
    return "not built";
#endif
}

std::string nccl_version() {
#if MDQ_WITH_NCCL
    int v = 0;
    if (ncclGetVersion(&v) != ncclSuccess) return "unknown";
    return dotted(v / 10000, (v % 10000) / 100, v % 100);
#else
    return "not built";
#endif
}

}  // namespace mdq::gpu
