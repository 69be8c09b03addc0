#include "kernels/quant/pack.h"

#include <cmath>

#include "kernels/quant/quant_launch.h"

namespace mdq {

namespace {

void check_levels(const char* op, int levels) {
    MDQ_CHECK(levels >= 2 && levels <= math::kMaxLevels, op, ": levels must lie in [2, ",
              math::kMaxLevels, "], got ", levels);
}

void check_u8_contiguous(const char* op, const Tensor& t, const char* what) {
    check_defined(op, t);
    MDQ_CHECK(t.dtype() == DType::U8 && t.is_contiguous(), op, ": ", what,
              " must be contiguous u8, got ", t.str());
}

}  // namespace

int bits_for_levels(int levels) {
    check_levels("bits_for_levels", levels);
    int b = 0;
    while ((1 << b) < levels)
        ++b;
    return b;
}

Tensor hard_codes(const HardSpec& spec, const Tensor& stored, const Shape& wshape) {
    const char* op = "hard_codes";
    check_levels(op, spec.levels);
    check_defined(op, stored);
    MDQ_CHECK(stored.dtype() == DType::F32 && stored.is_contiguous(), op,
              ": the stored variable must be contiguous f32, got ", stored.str());
    MDQ_CHECK(spec.rule != HardRule::Sign || spec.levels == 2, op,
              ": the sign rule is binary, got levels ", spec.levels);
    MDQ_CHECK(spec.rule != HardRule::NearestProjected || (spec.beta > 0 && spec.beta <= 1e36), op,
              ": beta must lie in (0, 1e36], got ", spec.beta);
    HardCodes e{};
    e.n = numel(wshape);
    e.row = 1;
    if (spec.rule == HardRule::Argmax) {
        MDQ_CHECK(spec.levels <= math::kMaxSimplexLevels && !wshape.empty(), op,
                  ": argmax needs a weight with a dim and at most ", math::kMaxSimplexLevels,
                  " levels");
        Shape expect = wshape;
        expect[0] *= spec.levels;
        MDQ_CHECK(stored.shape() == expect, op, ": logits of shape ", stored.shape(),
                  " do not match weight ", wshape, " with ", spec.levels, " levels (expected ",
                  expect, ")");
        e.row = wshape[0] == 0 ? 1 : e.n / wshape[0];
    } else {
        MDQ_CHECK(stored.numel() == e.n, op, ": stored variable ", stored.str(),
                  " does not match weight shape ", wshape);
    }
    Tensor codes = Tensor::empty(wshape, DType::U8, stored.device());
    e.s = stored.data<float>();
    e.codes = codes.data<uint8_t>();
    e.d = spec.levels;
    e.beta = static_cast<float>(spec.beta);
    e.rule = spec.rule;
    launch_body(op, e, stored.device());
    return codes;
}

void codes_to_values_into(const Tensor& codes, int levels, const Tensor& out) {
    const char* op = "codes_to_values";
    check_levels(op, levels);
    check_u8_contiguous(op, codes, "codes");
    check_defined(op, out);
    check_same_device(op, codes, out);
    MDQ_CHECK(out.dtype() == DType::F32 && out.is_contiguous() && out.numel() == codes.numel(), op,
              ": output must be contiguous f32 with ", codes.numel(), " elements, got ", out.str());
    const CodeValues e{codes.data<uint8_t>(), out.data<float>(), codes.numel(), levels};
    launch_body(op, e, out.device());
}

PackedTensor pack_codes(const Tensor& codes, int levels) {
    const char* op = "pack_codes";
    check_levels(op, levels);
    check_u8_contiguous(op, codes, "codes");
    PackedTensor p;
    p.shape = codes.shape();
    p.levels = levels;
    p.bits = bits_for_levels(levels);
    const int64_t count = codes.numel();
    const int64_t nbytes = (count * p.bits + 7) / 8;
    p.data = Tensor::empty({nbytes}, DType::U8, codes.device());
    const PackBits e{codes.data<uint8_t>(), p.data.data<uint8_t>(), nbytes, count, p.bits};
    launch_body(op, e, codes.device());
    return p;
}

Tensor unpack_codes(const PackedTensor& p) {
    const char* op = "unpack_codes";
    check_levels(op, p.levels);
    check_u8_contiguous(op, p.data, "packed data");
    MDQ_CHECK(p.bits == bits_for_levels(p.levels), op, ": ", p.levels, " levels pack into ",
              bits_for_levels(p.levels), " bits, not ", p.bits);
    const int64_t count = p.numel();
    MDQ_CHECK(p.data.numel() == (count * p.bits + 7) / 8, op, ": ", count, " codes of ", p.bits,
              " bits need ", (count * p.bits + 7) / 8, " bytes, got ", p.data.numel());
    Tensor codes = Tensor::empty(p.shape, DType::U8, p.data.device());
    const UnpackBits e{p.data.data<uint8_t>(), codes.data<uint8_t>(), count, p.data.numel(),
                       p.bits};
    launch_body(op, e, codes.device());
    return codes;
}

Tensor unpack_values(const PackedTensor& p) {
    const Tensor codes = unpack_codes(p);
    Tensor out = Tensor::empty(p.shape, DType::F32, codes.device());
    codes_to_values_into(codes, p.levels, out);
    return out;
}

}  // namespace mdq
