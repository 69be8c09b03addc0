#include "optim/train/channel_mask.h"

#include "core/error.h"

namespace mdq {

void zero_channels(Tensor t, int64_t dim, const std::vector<uint8_t>& mask) {
    check_defined("zero_channels", t);
    MDQ_CHECK(dim >= 0 && dim < t.dim(), "zero_channels: dim ", dim, " out of range for ", t.str());
    MDQ_CHECK(static_cast<int64_t>(mask.size()) == t.shape()[static_cast<size_t>(dim)],
              "zero_channels: mask of ", mask.size(), " entries for ", t.str(), " along dim ", dim);
    for (int64_t c = 0; c < static_cast<int64_t>(mask.size()); ++c)
        if (!mask[static_cast<size_t>(c)]) t.slice(dim, c, c + 1).zero_();
}

void enforce_channel_mask(QuantOptimizer& opt, const std::string& name, int64_t dim,
                          const std::vector<uint8_t>& mask) {
    const QuantOptimizer::Param& p = opt.param(name);
    MDQ_CHECK(!is_simplex(method_storage(p.spec.method)), "enforce_channel_mask: ", name,
              " uses the simplex method ", method_name(p.spec.method),
              ", whose logits cannot encode a zero weight; prune through its batch norm");
    const ParamArena::Slot& s = opt.arena().slot(name);
    zero_channels(opt.arena().values().slice(0, s.offset, s.offset + s.numel).view(s.shape), dim,
                  mask);
    for (const Tensor& t : {opt.stored(name), opt.first_moment(name), opt.second_moment(name)})
        if (t.defined()) zero_channels(t.view(s.shape), dim, mask);
}

}  // namespace mdq
