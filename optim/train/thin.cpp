#include "optim/train/thin.h"

#include "core/error.h"

namespace mdq {

Tensor keep_channels(const Tensor& t, int64_t dim, const std::vector<uint8_t>& mask) {
    check_defined("keep_channels", t);
    MDQ_CHECK(dim >= 0 && dim < t.dim(), "keep_channels: dim ", dim, " out of range for ", t.str());
    const int64_t n = t.shape()[static_cast<size_t>(dim)];
    MDQ_CHECK(static_cast<int64_t>(mask.size()) == n, "keep_channels: mask of ", mask.size(),
              " entries for ", n, " channels of ", t.str());
    int64_t kept = 0;
    for (uint8_t m : mask)
        kept += m != 0;
    MDQ_CHECK(kept >= 1, "keep_channels: every channel of ", t.str(),
              " is pruned; a layer must keep at least one");
    Shape s = t.shape();
    s[static_cast<size_t>(dim)] = kept;
    Tensor out = Tensor::empty(s, t.dtype(), t.device());
    // One copy per run of kept channels.
    int64_t dst = 0;
    for (int64_t c = 0; c < n;) {
        if (!mask[static_cast<size_t>(c)]) {
            ++c;
            continue;
        }
        int64_t e = c;
        while (e < n && mask[static_cast<size_t>(e)])
            ++e;
        out.slice(dim, dst, dst + e - c).copy_(t.slice(dim, c, e));
        dst += e - c;
        c = e;
    }
    return out;
}

}  // namespace mdq
