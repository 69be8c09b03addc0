// Timing shared by the `mdq bench` commands: work enqueued on a GPU is timed with CUDA events
// on the device's current stream, work on the CPU (which runs synchronously) with the host
// clock.
#pragma once

#include <chrono>
#include <vector>

#include "core/stream.h"

namespace mdq::tools {

class DeviceTimer {
  public:
    explicit DeviceTimer(Device device) : device_(device) {}
    void start();
    // Milliseconds since start(); on a GPU it waits for the work enqueued in between.
    double stop_ms();

  private:
    Device device_;
    Event begin_{true}, end_{true};
    std::chrono::steady_clock::time_point t0_;
};

// The middle value of v (the upper middle one for an even count); v must not be empty.
double median_of(std::vector<double> v);

// Milliseconds of each of n calls of f, each timed alone.
template <class F>
std::vector<double> time_each_ms(Device device, int n, F&& f) {
    DeviceTimer timer(device);
    std::vector<double> ms;
    for (int i = 0; i < n; ++i) {
        timer.start();
        f();
        ms.push_back(timer.stop_ms());
    }
    return ms;
}

}  // namespace mdq::tools
