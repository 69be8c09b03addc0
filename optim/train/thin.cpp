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

namespace mdq {

namespace {

void check_masks(const std::vector<ChannelGroup>& plan,
                 const std::vector<std::vector<uint8_t>>& masks) {
    MDQ_CHECK(masks.size() == plan.size(), "thin: ", masks.size(), " masks for ", plan.size(),
              " channel groups");
    for (size_t i = 0; i < plan.size(); ++i)
        MDQ_CHECK(static_cast<int64_t>(masks[i].size()) == plan[i].channels, "thin: the mask of '",
                  plan[i].name, "' has ", masks[i].size(), " entries for ", plan[i].channels,
                  " channels");
}

// The tensor `key` is the slice's own or one of the optimizer's for it.
bool belongs_to(const std::string& key, const std::string& tensor) {
    if (key == tensor) return true;
    return key.size() > tensor.size() + 1 && key.compare(0, tensor.size(), tensor) == 0 &&
           key[tensor.size()] == '.' && key.find('.', tensor.size() + 1) == std::string::npos;
}

}  // namespace

std::map<std::string, int64_t> thinned_widths(const std::vector<ChannelGroup>& plan,
                                              const std::vector<std::vector<uint8_t>>& masks) {
    check_masks(plan, masks);
    std::map<std::string, int64_t> widths;
    for (size_t i = 0; i < plan.size(); ++i) {
        int64_t live = 0;
        for (uint8_t m : masks[i])
            live += m != 0;
        for (const std::string& bn : plan[i].batch_norms)
            widths[bn] = live;
    }
    return widths;
}

std::map<std::string, Tensor> thin_tensors(const std::map<std::string, Tensor>& state,
                                           const std::vector<ChannelGroup>& plan,
                                           const std::vector<std::vector<uint8_t>>& masks) {
    check_masks(plan, masks);
    std::map<std::string, Tensor> out = state;
    for (size_t i = 0; i < plan.size(); ++i) {
        for (const ChannelSlice& sl : plan[i].slices) {
            for (auto& [key, t] : out) {
                if (!belongs_to(key, sl.tensor)) continue;
                const int64_t n = sl.dim < t.dim() ? t.size(sl.dim) : 0;
                // A producer holds each channel once; a consumer may read it at every position.
                MDQ_CHECK(n > 0 && (sl.output ? n == sl.period : n % sl.period == 0), "thin: '",
                          key, "' ", t.str(), " does not hold the ", sl.period, " channels of '",
                          plan[i].name, "' along dim ", sl.dim,
                          " (a simplex method's logits are not cut yet)");
                std::vector<uint8_t> mask(static_cast<size_t>(n));
                for (size_t e = 0; e < mask.size(); ++e)
                    mask[e] = masks[i][e % static_cast<size_t>(sl.period)];
                t = keep_channels(t, sl.dim, mask);
            }
        }
    }
    return out;
}

}  // namespace mdq
