#include "tests/testing/grid_emulation.h"

#include <cstring>

namespace mdq::testing {

::testing::AssertionResult same_bits(const Tensor& a, const Tensor& b) {
    if (a.shape() != b.shape() || a.dtype() != b.dtype())
        return ::testing::AssertionFailure() << a.str() << " vs " << b.str();
    const Tensor ca = a.to(Device::cpu()).contiguous(), cb = b.to(Device::cpu()).contiguous();
    const auto* pa = static_cast<const unsigned char*>(ca.raw_data());
    const auto* pb = static_cast<const unsigned char*>(cb.raw_data());
    const size_t size = ca.element_size();
    int64_t bad = 0, first = -1;
    for (int64_t i = 0; i < ca.numel(); ++i)
        if (std::memcmp(pa + i * size, pb + i * size, size) != 0) {
            if (first < 0) first = i;
            ++bad;
        }
    if (bad == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << bad << " of " << ca.numel() << " elements differ, the first at flat index " << first
           << ": " << ca.view({ca.numel()}).slice(0, first, first + 1).to(DType::F64).item<double>()
           << " vs "
           << cb.view({cb.numel()}).slice(0, first, first + 1).to(DType::F64).item<double>();
}

}  // namespace mdq::testing
