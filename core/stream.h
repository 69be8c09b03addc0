// Streams and events. Every CUDA kernel runs on the current stream of its device, which is
// a non-blocking stream mdq creates (never the legacy default stream). On the CPU a Stream is
// empty and its operations run synchronously.
#pragma once

#include "core/device.h"

namespace mdq {

class Stream {
  public:
    Stream() = default;
    Device device() const { return device_; }
    void* handle() const { return handle_; }  // cudaStream_t for CUDA streams
    bool is_cuda() const { return device_.is_cuda(); }
    void synchronize() const;
    // A new stream on the device, owned by mdq for the life of the process.
    static Stream create(Device d, bool high_priority = false);
    bool operator==(const Stream& o) const { return device_ == o.device_ && handle_ == o.handle_; }
    bool operator!=(const Stream& o) const { return !(*this == o); }

  private:
    Stream(Device d, void* h) : device_(d), handle_(h) {}
    friend Stream current_stream(Device d);
    Device device_{};
    void* handle_ = nullptr;
};

// The stream work for device d goes to on this thread.
Stream current_stream(Device d);
void set_current_stream(Stream s);

// Makes s current for its device for the guard's scope.
class StreamGuard {
  public:
    explicit StreamGuard(Stream s);
    ~StreamGuard();
    StreamGuard(const StreamGuard&) = delete;
    StreamGuard& operator=(const StreamGuard&) = delete;

  private:
    Stream prev_;
};

class Event {
  public:
    explicit Event(bool timing = false);
    ~Event();
    Event(Event&& o) noexcept;
    Event& operator=(Event&& o) noexcept;
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;

    void record(Stream s);
    // Makes s wait (on the device) until the recorded work is done; no host wait.
    void block(Stream s) const;
    void synchronize() const;
    bool query() const;
    // Milliseconds from this event to `later`; both need timing = true.
    float elapsed_ms(const Event& later) const;

  private:
    void* handle_ = nullptr;
    Device device_{};
    bool timing_ = false;
};

}  // namespace mdq
