#include "core/comm/communicator.h"

#include <cmath>
#include <cstdio>

namespace mdq::comm {

namespace {
std::string size_text(const Tensor& t) {
    const double bytes = static_cast<double>(t.nbytes());
    char human[32];
    if (bytes < 1024) {
        std::snprintf(human, sizeof human, "%.0f B", bytes);
    } else if (bytes < 1024 * 1024) {
        std::snprintf(human, sizeof human, "%.1f KiB", bytes / 1024);
    } else {
        std::snprintf(human, sizeof human, "%.1f MiB", bytes / (1024 * 1024));
    }
    return mdq::detail::cat(t.numel(), " ", dtype_name(t.dtype()), " values (", human, ") on ",
                            t.device().str());
}
}  // namespace

const char* all_reduce_op_name(AllReduceOp op) {
    return op == AllReduceOp::Sum ? "sum" : "average";
}

std::string describe_all_reduce(const Tensor& t, AllReduceOp op) {
    return mdq::detail::cat("the all-reduce (", all_reduce_op_name(op), ") of ", size_text(t));
}

std::string describe_broadcast(const Tensor& t, int root) {
    return mdq::detail::cat("the broadcast from rank ", root, " of ", size_text(t));
}

Communicator::Communicator(const CommOptions& options) : options_(options) {
    MDQ_CHECK(std::isfinite(options.timeout_s) && options.timeout_s > 0,
              "communicator timeout must be a positive number of seconds (comm_timeout), got ",
              options.timeout_s);
}

void Communicator::all_reduce(const Tensor& t, AllReduceOp op) {
    all_reduce_async(t, op)->wait();
}

void Communicator::all_reduce_in_stream(const Tensor& t, AllReduceOp op) {
    all_reduce_async(t, op)->wait_on(current_stream(device()));
}

void Communicator::check_reducible(const char* op, const Tensor& t) const {
    check_defined(op, t);
    MDQ_CHECK(t.dtype() == DType::F32 || t.dtype() == DType::F64, op, " (", backend(),
              "): f32 or f64 tensors, got ", t.str());
    MDQ_CHECK(t.is_contiguous(), op, " (", backend(),
              "): the tensor must be contiguous (reduce a .contiguous() copy), got ", t.str());
    MDQ_CHECK(t.device() == device(), op, " (", backend(), "): the tensor is on ", t.device().str(),
              " but this communicator reduces tensors on ", device().str());
}

void Communicator::check_broadcastable(const char* op, const Tensor& t, int root) const {
    check_defined(op, t);
    MDQ_CHECK(t.is_contiguous(), op, " (", backend(), "): the tensor must be contiguous, got ",
              t.str());
    MDQ_CHECK(t.device() == device(), op, " (", backend(), "): the tensor is on ", t.device().str(),
              " but this communicator works on ", device().str());
    MDQ_CHECK(root >= 0 && root < size(), op, ": root ", root, " is not a rank of a world of ",
              size());
}

}  // namespace mdq::comm
