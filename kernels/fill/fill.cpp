#include "kernels/fill/fill.h"

#include <cmath>

#include "kernels/common/dispatch.h"
#include "kernels/common/grid_cpu.h"
#include "kernels/fill/fill_impl.h"

namespace mdq {

namespace {
void generate(const Tensor& dst, const GenSpec& spec) {
    check_defined("fill", dst);
    if (dst.numel() == 0) return;
    if (dst.is_cuda()) {
        MDQ_ON_CUDA("fill", cuda::generate(dst, spec));
        return;
    }
    launch_generate<cpu::Runner>(dst, spec);
}

GenSpec random_spec(GenKind kind, double a, double b, int64_t n, Generator* gen, int per_block) {
    Generator& g = gen ? *gen : default_generator();
    GenSpec s;
    s.kind = kind;
    s.a = a;
    s.b = b;
    s.seed = g.seed();
    s.stream = g.stream();
    s.first_block = g.reserve(static_cast<uint64_t>((n + per_block - 1) / per_block));
    return s;
}
}  // namespace

void fill_tensor(const Tensor& dst, double value) {
    GenSpec s;
    s.kind = GenKind::Constant;
    s.a = value;
    generate(dst, s);
}

void uniform_(const Tensor& dst, double lo, double hi, Generator* gen) {
    check_defined("uniform_", dst);
    MDQ_CHECK(is_floating(dst.dtype()), "uniform_: needs a floating tensor, got ", dst.str());
    MDQ_CHECK(lo <= hi, "uniform_: lo ", lo, " > hi ", hi);
    generate(dst, random_spec(GenKind::Uniform, lo, hi - lo, dst.numel(), gen, 4));
}

void normal_(const Tensor& dst, double mean, double std, Generator* gen) {
    check_defined("normal_", dst);
    MDQ_CHECK(is_floating(dst.dtype()), "normal_: needs a floating tensor, got ", dst.str());
    MDQ_CHECK(std >= 0, "normal_: std must be >= 0, got ", std);
    generate(dst, random_spec(GenKind::Normal, mean, std, dst.numel(), gen, 2));
}

Tensor arange(double start, double end, double step, DType dtype, Device device) {
    MDQ_CHECK(step != 0 && std::isfinite(step), "arange: bad step ", step);
    const double count = std::ceil((end - start) / step);
    Tensor t = Tensor::empty({count > 0 ? static_cast<int64_t>(count) : 0}, dtype, device);
    GenSpec s;
    s.kind = GenKind::Arange;
    s.a = start;
    s.b = step;
    generate(t, s);
    return t;
}

Tensor arange(int64_t n, DType dtype, Device device) {
    MDQ_CHECK(n >= 0, "arange: negative length ", n);
    return arange(0.0, static_cast<double>(n), 1.0, dtype, device);
}

Tensor uniform(const Shape& shape, double lo, double hi, DType dtype, Device device,
               Generator* gen) {
    Tensor t = Tensor::empty(shape, dtype, device);
    uniform_(t, lo, hi, gen);
    return t;
}

Tensor normal(const Shape& shape, double mean, double std, DType dtype, Device device,
              Generator* gen) {
    Tensor t = Tensor::empty(shape, dtype, device);
    normal_(t, mean, std, gen);
    return t;
}

}  // namespace mdq
