// Runtime view of the GPUs: whether CUDA is usable here, and what the devices are.
// A CUDA build runs on machines without a GPU: every query answers "no GPU" instead of failing.
#pragma once

#include <cstddef>
#include <string>

namespace mdq::gpu {

// Built with CUDA, MDQ_DISABLE_CUDA unset or 0, and at least one device answers.
bool available();
int device_count();
int current_device();
void set_device(int device);
// Waits for all work on the device (-1: the current one).
void synchronize(int device = -1);

struct DeviceInfo {
    std::string name;
    int major = 0, minor = 0;
    size_t total_memory = 0;
    int multiprocessors = 0;
};
DeviceInfo device_info(int device);

// Versions as "major.minor(.patch)", or "not built" / "no driver".
std::string runtime_version();
std::string driver_version();
std::string cublas_version();
std::string cudnn_version();
std::string nccl_version();

}  // namespace mdq::gpu
