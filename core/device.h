// Where a tensor lives. Transfers between devices are always explicit (Tensor::to).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace mdq {

enum class DeviceType : uint8_t { CPU, CUDA };

struct Device {
    DeviceType type = DeviceType::CPU;
    int index = 0;

    static Device cpu() { return {DeviceType::CPU, 0}; }
    static Device cuda(int i = 0) { return {DeviceType::CUDA, i}; }
    // "cpu", "cuda", "cuda:1"; "auto" picks cuda:0 when a GPU is usable, else the CPU.
    static Device parse(const std::string& text);

    bool is_cpu() const { return type == DeviceType::CPU; }
    bool is_cuda() const { return type == DeviceType::CUDA; }
    std::string str() const;
    bool operator==(const Device& o) const {
        return type == o.type && (type == DeviceType::CPU || index == o.index);
    }
    bool operator!=(const Device& o) const { return !(*this == o); }
};

inline std::ostream& operator<<(std::ostream& os, const Device& d) {
    return os << d.str();
}

}  // namespace mdq
