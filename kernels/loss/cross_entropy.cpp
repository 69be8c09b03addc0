#include <limits>

#include "core/autograd.h"
#include "kernels/common/dispatch.h"
#include "kernels/common/grid_cpu.h"
#include "kernels/common/row_pass_cpu.h"
#include "kernels/elementwise/binary.h"
#include "kernels/loss/cross_entropy_impl.h"
#include "kernels/loss/loss.h"
#include "kernels/reduce/reduce.h"

namespace mdq {

namespace {

DType acc_dtype(DType dt) {
    return dt == DType::F64 ? DType::F64 : DType::F32;
}

void check_logits_labels(const char* name, const Tensor& logits, const Tensor& labels) {
    check_defined(name, logits);
    check_defined(name, labels);
    MDQ_CHECK(is_floating(logits.dtype()) && logits.dim() == 2, name,
              ": logits must be floating [N, C], got ", logits.str());
    MDQ_CHECK(labels.dtype() == DType::I64 && labels.dim() == 1, name,
              ": labels must be i64 [N], got ", labels.str());
    MDQ_CHECK(labels.size(0) == logits.size(0), name, ": ", labels.size(0), " labels for logits ",
              logits.str());
    MDQ_CHECK(logits.size(1) > 0, name, ": logits ", logits.str(), " have no classes");
    MDQ_CHECK(logits.size(0) < std::numeric_limits<int32_t>::max(), name, ": ", logits.str(),
              " has too many rows");
    check_same_device(name, logits, labels);
}

void check_buffer(const char* what, const Tensor& buf, const Tensor& logits, int64_t n) {
    check_defined("cross_entropy", buf);
    MDQ_CHECK(buf.numel() == n && buf.is_contiguous() && buf.dtype() == acc_dtype(logits.dtype()),
              "cross_entropy: ", what, " must be contiguous ",
              dtype_name(acc_dtype(logits.dtype())), " with ", n, " elements, got ", buf.str());
    check_same_device("cross_entropy", buf, logits);
}

// The CPU reads the labels directly, so a bad one is reported before anything is computed.
void check_labels_on_host(const Tensor& logits, const Tensor& labels) {
    const int64_t* y = labels.data<int64_t>();
    const int64_t c = logits.size(1);
    for (int64_t i = 0; i < labels.numel(); ++i)
        MDQ_CHECK(y[i] >= 0 && y[i] < c, "cross_entropy: label ", y[i], " at index ", i,
                  " is out of range [0, ", c, ") for logits ", logits.str());
}

class CrossEntropyBackward final : public Node {
  public:
    CrossEntropyBackward(Tensor logits, Tensor labels, Tensor lse, Reduction r)
        : logits_(std::move(logits)), labels_(std::move(labels)), lse_(std::move(lse)), r_(r) {}
    const char* name() const override { return "cross_entropy"; }
    std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
        const Tensor up = g[0].to(lse_.dtype()).contiguous();
        const double scale =
            r_ == Reduction::Mean ? 1.0 / static_cast<double>(logits_.size(0)) : 1.0;
        Tensor dx = Tensor::empty(logits_.shape(), logits_.dtype(), logits_.device());
        cross_entropy_backward_into(logits_, labels_, lse_, up, scale, dx);
        return {dx, Tensor()};
    }
    void release_saved() override {
        logits_ = labels_ = lse_ = Tensor();
        released = true;
    }

  private:
    Tensor logits_, labels_, lse_;
    Reduction r_;
};

}  // namespace

void cross_entropy_forward_into(const Tensor& logits, const Tensor& labels, const Tensor& loss,
                                const Tensor& lse) {
    check_logits_labels("cross_entropy", logits, labels);
    MDQ_CHECK(logits.is_contiguous() && labels.is_contiguous(),
              "cross_entropy: needs contiguous logits and labels, got ", logits.str(), " and ",
              labels.str());
    const int64_t n = logits.size(0);
    check_buffer("loss", loss, logits, n);
    check_buffer("lse", lse, logits, n);
    if (n == 0) return;
    if (logits.is_cuda()) {
        MDQ_ON_CUDA("cross_entropy", cuda::cross_entropy_forward(logits, labels, loss, lse));
        return;
    }
    check_labels_on_host(logits, labels);
    launch_cross_entropy_forward<cpu::RowPassRunner>(logits, labels, loss, lse, nullptr);
}

void cross_entropy_backward_into(const Tensor& logits, const Tensor& labels, const Tensor& lse,
                                 const Tensor& g, double scale, const Tensor& dlogits) {
    check_logits_labels("cross_entropy", logits, labels);
    const int64_t n = logits.size(0);
    check_buffer("lse", lse, logits, n);
    check_defined("cross_entropy", g);
    MDQ_CHECK((g.numel() == 1 || g.numel() == n) && g.is_contiguous() && g.dtype() == lse.dtype(),
              "cross_entropy: the upstream gradient must be contiguous ", dtype_name(lse.dtype()),
              " with 1 or ", n, " elements, got ", g.str());
    check_same_device("cross_entropy", g, logits);
    check_defined("cross_entropy", dlogits);
    MDQ_CHECK(dlogits.shape() == logits.shape() && dlogits.is_contiguous() &&
                  logits.is_contiguous() && labels.is_contiguous(),
              "cross_entropy: needs contiguous logits, labels and gradient of shape ",
              logits.shape(), ", got ", dlogits.str());
    check_same_dtype("cross_entropy", logits, dlogits);
    check_same_device("cross_entropy", logits, dlogits);
    if (n == 0) return;
    if (logits.is_cuda()) {
        MDQ_ON_CUDA("cross_entropy",
                    cuda::cross_entropy_backward(logits, labels, lse, g, scale, dlogits));
        return;
    }
    launch_cross_entropy_backward<cpu::Runner>(logits, labels, lse, g, scale, dlogits);
}

Tensor cross_entropy(const Tensor& logits, const Tensor& labels, Reduction r) {
    check_logits_labels("cross_entropy", logits, labels);
    const int64_t n = logits.size(0);
    MDQ_CHECK(n > 0 || r != Reduction::Mean, "cross_entropy: the mean over an empty batch ",
              logits.str(), " is undefined");
    const Tensor x = logits.detach().contiguous(), y = labels.detach().contiguous();
    const DType acc = acc_dtype(logits.dtype());
    Tensor loss = Tensor::empty({n}, acc, logits.device());
    Tensor lse = Tensor::empty({n}, acc, logits.device());
    cross_entropy_forward_into(x, y, loss, lse);
    Tensor out = r == Reduction::None ? loss : (r == Reduction::Sum ? sum(loss) : mean(loss));
    out = out.to(logits.dtype());
    if (any_requires_grad({logits}))
        connect(std::make_shared<CrossEntropyBackward>(x, y, lse, r), {logits, labels}, {out});
    return out;
}

void check_cross_entropy_labels(Device device) {
    if (device.is_cpu()) return;
    uint64_t word = math::kNoBadLabel;
    MDQ_ON_CUDA("check_cross_entropy_labels", word = cuda::take_bad_label(device));
    if (word == math::kNoBadLabel) return;
    const int64_t row = static_cast<int64_t>(word >> 32);
    const int32_t label = static_cast<int32_t>(static_cast<uint32_t>(word & 0xffffffffu));
    if (label == math::kHugeLabel)
        MDQ_THROW(ValueError, "cross_entropy: the label at index ", row,
                  " is out of range (beyond 32 bits; recorded on ", device.str(),
                  ", where that row's loss is NaN)");
    MDQ_THROW(ValueError, "cross_entropy: label ", label, " at index ", row,
              " is out of range (recorded on ", device.str(), ", where that row's loss is NaN)");
}

Tensor accuracy_count(const Tensor& logits, const Tensor& labels) {
    check_logits_labels("accuracy_count", logits, labels);
    NoGradGuard no_grad;
    return sum(eq(argmax(logits, 1), labels));  // stays on the device: no host wait
}

}  // namespace mdq
