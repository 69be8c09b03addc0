#include "core/stream.h"

#include <array>
#include <mutex>

#include "core/error.h"
#include "core/gpu.h"
#include "mdq/config.h"

#if MDQ_WITH_CUDA
#include "core/cuda_check.h"
#endif

namespace mdq {

namespace {
constexpr int kMaxDevices = 64;
thread_local std::array<void*, kMaxDevices> tls_current{};

#if MDQ_WITH_CUDA
class DeviceGuardRt {
  public:
    explicit DeviceGuardRt(int d) {
        CHECK_CUDA(cudaGetDevice(&prev_));
        if (prev_ != d) CHECK_CUDA(cudaSetDevice(d));
    }
    ~DeviceGuardRt() { CHECK_CUDA_NOTHROW(cudaSetDevice(prev_)); }

  private:
    int prev_ = 0;
};

void* new_cuda_stream(int device, bool high_priority) {
    gpu::set_device(device);  // validates the index
    int lo = 0, hi = 0;
    CHECK_CUDA(cudaDeviceGetStreamPriorityRange(&lo, &hi));
    cudaStream_t s = nullptr;
    CHECK_CUDA(cudaStreamCreateWithPriority(&s, cudaStreamNonBlocking, high_priority ? hi : lo));
    return s;
}

void* main_stream(int device) {
    static std::mutex mu;
    static std::array<void*, kMaxDevices> streams{};  // leaked on purpose: no teardown order issues
    std::lock_guard<std::mutex> lock(mu);
    if (!streams[device]) streams[device] = new_cuda_stream(device, false);
    return streams[device];
}
#endif

void check_cuda_device(Device d) {
    MDQ_CHECK(d.index >= 0 && d.index < kMaxDevices, "device index ", d.index, " out of range");
    MDQ_CHECK(gpu::available(), "device ", d.str(), " requested but no usable GPU",
              MDQ_WITH_CUDA ? " is present" : " (mdq was built without CUDA)");
}
}  // namespace

void Stream::synchronize() const {
    if (!is_cuda()) return;
#if MDQ_WITH_CUDA
    CHECK_CUDA(cudaStreamSynchronize(static_cast<cudaStream_t>(handle_)));
#endif
}

Stream Stream::create(Device d, bool high_priority) {
    if (d.is_cpu()) return Stream();
    check_cuda_device(d);
#if MDQ_WITH_CUDA
    return Stream(d, new_cuda_stream(d.index, high_priority));
#else
    (void)high_priority;
    return Stream();
#endif
}

Stream current_stream(Device d) {
    if (d.is_cpu()) return Stream();
    check_cuda_device(d);
    void* h = tls_current[d.index];
#if MDQ_WITH_CUDA
    if (!h) h = main_stream(d.index);
#endif
    return Stream(d, h);
}

void set_current_stream(Stream s) {
    if (!s.is_cuda()) return;
    tls_current[s.device().index] = s.handle();
}

StreamGuard::StreamGuard(Stream s) : prev_(current_stream(s.device())) {
    set_current_stream(s);
}
StreamGuard::~StreamGuard() {
    set_current_stream(prev_);
}

Event::Event(bool timing) : timing_(timing) {}

Event::~Event() {
#if MDQ_WITH_CUDA
    if (handle_) CHECK_CUDA_NOTHROW(cudaEventDestroy(static_cast<cudaEvent_t>(handle_)));
#endif
}

Event::Event(Event&& o) noexcept : handle_(o.handle_), device_(o.device_), timing_(o.timing_) {
    o.handle_ = nullptr;
}

Event& Event::operator=(Event&& o) noexcept {
    if (this != &o) {
        this->~Event();
        handle_ = o.handle_;
        device_ = o.device_;
        timing_ = o.timing_;
        o.handle_ = nullptr;
    }
    return *this;
}

void Event::record(Stream s) {
    MDQ_CHECK(s.is_cuda(), "Event::record needs a CUDA stream");
#if MDQ_WITH_CUDA
    if (!handle_) {
        DeviceGuardRt g(s.device().index);
        cudaEvent_t e = nullptr;
        CHECK_CUDA(
            cudaEventCreateWithFlags(&e, timing_ ? cudaEventDefault : cudaEventDisableTiming));
        handle_ = e;
        device_ = s.device();
    }
    MDQ_CHECK(device_ == s.device(), "event of ", device_.str(), " recorded on a stream of ",
              s.device().str());
    CHECK_CUDA(
        cudaEventRecord(static_cast<cudaEvent_t>(handle_), static_cast<cudaStream_t>(s.handle())));
#endif
}

void Event::block(Stream s) const {
    if (!handle_ || !s.is_cuda()) return;
#if MDQ_WITH_CUDA
    CHECK_CUDA(cudaStreamWaitEvent(static_cast<cudaStream_t>(s.handle()),
                                   static_cast<cudaEvent_t>(handle_), 0));
#endif
}

void Event::synchronize() const {
#if MDQ_WITH_CUDA
    if (handle_) CHECK_CUDA(cudaEventSynchronize(static_cast<cudaEvent_t>(handle_)));
#endif
}

bool Event::query() const {
#if MDQ_WITH_CUDA
    if (!handle_) return true;
    const cudaError_t e = cudaEventQuery(static_cast<cudaEvent_t>(handle_));
    if (e == cudaErrorNotReady) {
        (void)cudaGetLastError();
        return false;
    }
    CHECK_CUDA(e);
#endif
    return true;
}

float Event::elapsed_ms(const Event& later) const {
    MDQ_CHECK(timing_ && later.timing_,
              "Event::elapsed_ms needs events created with timing = true");
    MDQ_CHECK(handle_ && later.handle_, "Event::elapsed_ms: both events must be recorded first");
    float ms = 0.f;
#if MDQ_WITH_CUDA
    CHECK_CUDA(cudaEventElapsedTime(&ms, static_cast<cudaEvent_t>(handle_),
                                    static_cast<cudaEvent_t>(later.handle_)));
#endif
    return ms;
}

}  // namespace mdq
