#include "kernels/bitconv/bitgemm.h"

#include <algorithm>
#include <cstdlib>

#include "kernels/bitconv/bitgemm_math.h"
#include "kernels/common/dispatch.h"
#include "kernels/common/grid_cpu.h"

namespace mdq {

namespace {

#define MDQ_BITISA_SUPPORTS(ENUM, NAME, RUNS) \
    case BitIsa::ENUM:                        \
        return RUNS;

bool supports(BitIsa isa) {
    switch (isa) {
        MDQ_BITGEMM_ISAS(MDQ_BITISA_SUPPORTS)
        case BitIsa::Auto:
            return true;
    }
    return false;
}
#undef MDQ_BITISA_SUPPORTS

std::vector<BitIsa> all_isas() {
#define MDQ_BITISA_ITEM(ENUM, ...) BitIsa::ENUM,
    return {MDQ_BITGEMM_ISAS(MDQ_BITISA_ITEM)};
#undef MDQ_BITISA_ITEM
}

std::string join_names(const std::vector<BitIsa>& isas) {
    std::string s;
    for (BitIsa i : isas)
        s += std::string(s.empty() ? "" : ", ") + bit_isa_name(i);
    return s;
}

void check_rows(const char* op, const SignRows& r, const char* what) {
    check_defined(op, r.words);
    MDQ_CHECK(r.rows >= 0 && r.k >= 1, op, ": ", what, " needs rows >= 0 and k >= 1, got rows ",
              r.rows, ", k ", r.k);
    MDQ_CHECK(r.words.dtype() == DType::I64 && r.words.is_contiguous() &&
                  r.words.shape() == Shape({r.rows, math::sign_words(r.k)}),
              op, ": ", what, " words must be contiguous i64 [", r.rows, ", ",
              math::sign_words(r.k), "] for ", r.rows, " rows of ", r.k, " signs, got ",
              r.words.str());
}

}  // namespace

const char* bit_isa_name(BitIsa isa) {
    switch (isa) {
#define MDQ_BITISA_CASE(ENUM, NAME, ...) \
    case BitIsa::ENUM:                   \
        return NAME;
        MDQ_BITGEMM_ISAS(MDQ_BITISA_CASE)
#undef MDQ_BITISA_CASE
        case BitIsa::Auto:
            return "auto";
    }
    return "?";
}

BitIsa bit_isa_from_name(const std::string& name) {
#define MDQ_BITISA_MATCH(ENUM, NAME, ...) \
    if (name == NAME) return BitIsa::ENUM;
    MDQ_BITGEMM_ISAS(MDQ_BITISA_MATCH)
#undef MDQ_BITISA_MATCH
    MDQ_CHECK(false, "bitgemm: unknown CPU ISA '", name, "' (MDQ_CPU_ISA); choose one of ",
              join_names(all_isas()));
    return BitIsa::Scalar;
}

bool bit_isa_supported(BitIsa isa) {
    return supports(isa);
}

std::vector<BitIsa> supported_bit_isas() {
    std::vector<BitIsa> v;
    for (BitIsa i : all_isas())
        if (supports(i)) v.push_back(i);
    return v;
}

BitIsa selected_bit_isa() {
    const char* env = std::getenv("MDQ_CPU_ISA");
    if (env == nullptr || *env == '\0') return supported_bit_isas().back();
    const BitIsa isa = bit_isa_from_name(env);
    MDQ_CHECK(supports(isa), "bitgemm: MDQ_CPU_ISA=", env,
              " is not supported by this processor; it supports ",
              join_names(supported_bit_isas()));
    return isa;
}

SignRows pack_sign_rows(const Tensor& x) {
    const char* op = "pack_sign_rows";
    check_defined(op, x);
    MDQ_CHECK(x.dtype() == DType::F32 && x.is_contiguous() && x.dim() == 2 && x.size(1) >= 1, op,
              ": needs a contiguous f32 tensor [rows, k >= 1], got ", x.str());
    SignRows r;
    r.rows = x.size(0);
    r.k = x.size(1);
    const int64_t words = math::sign_words(r.k);
    r.words = Tensor::empty({r.rows, words}, DType::I64, x.device());
    const PackSignRows e{x.data<float>(), reinterpret_cast<uint64_t*>(r.words.data<int64_t>()),
                         r.rows * words, r.k, words};
    if (e.n == 0) return r;
    if (x.is_cuda()) {
        MDQ_ON_CUDA(op, cuda::run_body(e, x.device()));
    } else {
        cpu::Runner::run(e, x.device());
    }
    return r;
}

Tensor bitgemm(const SignRows& w, const SignRows& a, BitIsa isa) {
    const char* op = "bitgemm";
    check_rows(op, w, "weights");
    check_rows(op, a, "activations");
    MDQ_CHECK(w.k == a.k, op, ": weights have ", w.k, " signs per row, activations ", a.k);
    MDQ_CHECK(w.words.device() == a.words.device(), op, ": weights on ", w.words.device().str(),
              ", activations on ", a.words.device().str(), "; put both on one device");
    Tensor out = Tensor::empty({w.rows, a.rows}, DType::I32, w.words.device());
    const auto* wp = reinterpret_cast<const uint64_t*>(w.words.data<int64_t>());
    const auto* ap = reinterpret_cast<const uint64_t*>(a.words.data<int64_t>());
    int32_t* op_out = out.data<int32_t>();
    const int64_t words = math::sign_words(w.k), block = 8;
    if (w.words.is_cuda()) {
        const BitGemmCells e{wp, ap, op_out, w.rows * a.rows, a.rows, words, w.k};
        if (e.n > 0) MDQ_ON_CUDA(op, cuda::run_body(e, w.words.device()));
        return out;
    }
    if (isa == BitIsa::Auto) isa = selected_bit_isa();
    MDQ_CHECK(supports(isa), op, ": variant ", bit_isa_name(isa),
              " is not supported by this processor");
    const int64_t blocks = (w.rows + block - 1) / block;
    // Blocks of weight rows across threads; each block's activations stay in cache.
#pragma omp parallel for schedule(static) if (w.rows * a.rows * words > 4096)
    for (int64_t b = 0; b < blocks; ++b) {
        const int64_t o0 = b * block, count = std::min(block, w.rows - o0);
        const cpu::BitGemmArgs g{wp + o0 * words, ap, op_out + o0 * a.rows, count, a.rows,
                                 words,           w.k};
        switch (isa) {
#define MDQ_BITISA_RUN(ENUM, ...) \
    case BitIsa::ENUM:            \
        cpu::bitgemm_##ENUM(g);   \
        break;
            MDQ_BITGEMM_ISAS(MDQ_BITISA_RUN)
#undef MDQ_BITISA_RUN
            case BitIsa::Auto:
                break;
        }
    }
    return out;
}

}  // namespace mdq
