#include "kernels/channel/channel.h"

#include "kernels/channel/channel_impl.h"
#include "kernels/common/dispatch.h"
#include "kernels/common/grid_cpu.h"

namespace mdq {

DType stat_dtype(DType dt) {
    return dt == DType::F64 ? DType::F64 : DType::F32;
}

namespace {

// x is a contiguous floating tensor with at least one dim; p (if defined) is [C] of stat dtype.
void check_channels(const char* op, const Tensor& x, const Tensor& p, const char* what) {
    if (!p.defined()) return;
    check_same_device(op, x, p);
    MDQ_CHECK(p.dim() == 1 && p.size(0) == x.size(-1), op, ": ", what, " of shape ", p.shape(),
              " for ", x.size(-1), " channels (input ", x.shape(), ")");
    MDQ_CHECK(p.dtype() == stat_dtype(x.dtype()) && p.is_contiguous(), op, ": ", what, " must be ",
              "contiguous ", dtype_name(stat_dtype(x.dtype())), " for ", x.str(), ", got ",
              p.str());
}

void check_input(const char* op, const Tensor& x) {
    check_defined(op, x);
    MDQ_CHECK(is_floating(x.dtype()), op, ": needs a floating tensor, got ", x.str());
    MDQ_CHECK(x.dim() >= 1 && x.is_contiguous(), op,
              ": needs a contiguous tensor with a channel dim, got ", x.str());
}

}  // namespace

void channel_affine_into(const Tensor& x, const Tensor& scale, const Tensor& shift,
                         const Tensor& y) {
    const char* op = "channel_affine";
    check_input(op, x);
    check_defined(op, y);
    MDQ_CHECK(y.shape() == x.shape() && y.is_contiguous(), op, ": output ", y.str(), " for input ",
              x.str());
    check_same_dtype(op, x, y);
    check_same_device(op, x, y);
    check_channels(op, x, scale, "scale");
    check_channels(op, x, shift, "shift");
    if (x.numel() == 0) return;
    if (x.is_cuda()) {
        MDQ_ON_CUDA(op, cuda::channel_affine(x, scale, shift, y));
        return;
    }
    launch_channel_affine<cpu::Runner>(x, scale, shift, y);
}

void channel_sum_into(const Tensor& x, const Tensor& out) {
    const char* op = "channel_sum";
    check_input(op, x);
    check_defined(op, out);
    check_channels(op, x, out, "output");
    if (x.is_cuda()) {
        MDQ_ON_CUDA(op, cuda::channel_sum(x, out));
        return;
    }
    launch_channel_sum<cpu::Runner, true>(x, out);
}

}  // namespace mdq
