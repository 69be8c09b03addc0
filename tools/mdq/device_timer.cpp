#include "tools/mdq/device_timer.h"

#include <algorithm>

#include "core/error.h"

namespace mdq::tools {

void DeviceTimer::start() {
    if (device_.is_cuda()) {
        begin_.record(current_stream(device_));
    } else {
        t0_ = std::chrono::steady_clock::now();
    }
}

double DeviceTimer::stop_ms() {
    if (!device_.is_cuda())
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0_)
            .count();
    end_.record(current_stream(device_));
    end_.synchronize();
    return begin_.elapsed_ms(end_);
}

double median_of(std::vector<double> v) {
    MDQ_CHECK(!v.empty(), "median_of: no values");
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace mdq::tools
