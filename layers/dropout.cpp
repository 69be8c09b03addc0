#include "layers/dropout.h"

#include "kernels/dropout/dropout.h"

namespace mdq {

Dropout::Dropout(double p, Generator* gen) : p_(p), gen_(gen) {
    MDQ_CHECK(p >= 0.0 && p < 1.0, "Dropout: p must be in [0, 1), got ", p);
}

std::string Dropout::describe() const {
    return detail::cat("Dropout(p=", p_, ")");
}

Tensor Dropout::forward(const Tensor& x) {
    return dropout(x, p_, is_training(), gen_);
}

}  // namespace mdq
