#include "kernels/bitconv/signsel.h"

#include <algorithm>

#include "kernels/bitconv/bitgemm_math.h"
#include "kernels/conv/conv.h"
#include "kernels/conv/im2col_cpu.h"

namespace mdq {

namespace cpu {
// Sixteen partial sums, the AVX-512 variant's lanes, so both sum in a similar order.
void masked_sums_portable(const SignSelectArgs& a, const uint64_t* plus, const uint64_t* minus,
                          float* out) {
    for (int64_t r = 0; r < a.rows; ++r) {
        const float* x = a.x + r * a.k;
        float lanes[16] = {};
        for (int64_t k = 0; k < a.k; ++k) {
            const bool p = (plus[k / 64] >> (k % 64)) & 1u;
            const bool m = minus ? (minus[k / 64] >> (k % 64)) & 1u : !p;
            lanes[k % 16] += p ? x[k] : (m ? -x[k] : 0.0f);
        }
        float s = 0;
        for (float l : lanes)
            s += l;
        out[r] = s;
    }
}
}  // namespace cpu

Tensor sign_select_gemm(const Tensor& x, const BitConvWeights& w, BitIsa isa) {
    const char* op = "sign_select_gemm";
    check_defined(op, x);
    const int64_t k = w.kh * w.kw * w.c;
    MDQ_CHECK(x.dtype() == DType::F32 && x.dim() == 2 && x.is_contiguous() && x.device().is_cpu() &&
                  x.size(1) == k,
              op, ": needs contiguous f32 CPU rows [rows, ", k, "] for these weights, got ",
              x.str());
    if (isa == BitIsa::Auto) isa = selected_bit_isa();
    MDQ_CHECK(bit_isa_supported(isa), op, ": variant ", bit_isa_name(isa),
              " is not supported by this processor");
    const bool ternary = w.levels == 3;
    const int64_t rows = x.size(0), o = w.o, words = math::sign_words(k), block = 16;
    Tensor y = Tensor::empty({rows, o}, DType::F32, Device::cpu());
    float* yp = y.data<float>();
    const float* xp = x.data<float>();
    const auto* w0 = reinterpret_cast<const uint64_t*>(w.planes[0].words.data<int64_t>());
    const auto* w1 =
        ternary ? reinterpret_cast<const uint64_t*>(w.planes[1].words.data<int64_t>()) : nullptr;
    const int64_t blocks = (rows + block - 1) / block;
    // A block of rows stays in cache while every output channel's weights pass over it.
#pragma omp parallel for schedule(static) if (rows * o * k > 65536)
    for (int64_t b = 0; b < blocks; ++b) {
        const int64_t r0 = b * block, n = std::min(block, rows - r0);
        const cpu::SignSelectArgs a{xp + r0 * k, n, k, words};
        float out[block];
        for (int64_t c = 0; c < o; ++c) {
            const uint64_t* minus = w1 ? w1 + c * words : nullptr;
            if (isa == BitIsa::Avx512)
                cpu::masked_sums_Avx512(a, w0 + c * words, minus, out);
            else
                cpu::masked_sums_portable(a, w0 + c * words, minus, out);
            for (int64_t r = 0; r < n; ++r)
                yp[(r0 + r) * o + c] = out[r];
        }
    }
    return y;
}

Tensor sign_select_conv2d(const Tensor& x, const BitConvWeights& w, const Conv2dArgs& args,
                          BitIsa isa) {
    const char* op = "sign_select_conv2d";
    check_defined(op, x);
    MDQ_CHECK(x.dtype() == DType::F32 && x.dim() == 4 && x.device().is_cpu(), op,
              ": needs f32 NHWC activations on the CPU, got ", x.str());
    MDQ_CHECK(args.groups == 1, op, ": one group only");
    const ConvProblem p = conv2d_problem(x.shape(), {w.o, w.kh, w.kw, w.c}, args, op);
    const Tensor xc = x.contiguous();
    Tensor cols = p.is_pointwise()
                      ? xc.reshape({p.n * p.h * p.w, p.c})
                      : Tensor::empty({p.n * p.oh * p.ow, p.taps()}, DType::F32, Device::cpu());
    if (!p.is_pointwise()) cpu::im2col(p, xc.data<float>(), 0, p.n, 0, cols.data<float>());
    return sign_select_gemm(cols, w, isa).reshape({p.n, p.oh, p.ow, p.o});
}

}  // namespace mdq
