#include "kernels/bitconv/bitconv.h"

#include <algorithm>

#include "kernels/bitconv/bitgemm_math.h"
#include "kernels/conv/conv.h"

namespace mdq {

namespace {

// ORs the low `nbits` bits of src (whole words, padding bits ignored) into dst at bit `pos`.
void append_bits(uint64_t* dst, int64_t pos, const uint64_t* src, int64_t nbits) {
    for (int64_t j = 0; nbits > 0; ++j, pos += 64, nbits -= 64) {
        const int64_t take = nbits < 64 ? nbits : 64;
        const uint64_t v = src[j] & math::tail_mask(take);
        const int64_t word = pos >> 6;
        const int shift = static_cast<int>(pos & 63);
        dst[word] |= v << shift;
        if (shift != 0 && shift + take > 64) dst[word + 1] |= v >> (64 - shift);
    }
}

// A plane of weights in {0, 1} or +-1 (bit = value > 0 for planes, value >= 0 for signs).
SignRows plane_rows(const std::vector<float>& v, int64_t rows, int64_t k, float want) {
    std::vector<float> s(v.size());
    for (size_t i = 0; i < v.size(); ++i)
        s[i] = v[i] == want ? 1.0f : -1.0f;
    return pack_sign_rows(Tensor::from_vector(s, {rows, k}));
}

// The padded taps' weights of each output pixel, added to a +-1 code result (see bitconv.h).
// They depend on the pixel's position only, so they are summed once per position and added to
// every image.
void add_padding(const ConvProblem& p, const BitConvWeights& w, int32_t* y) {
    const int32_t* ts = w.tap_sums.data<int32_t>();
    const int64_t taps = p.kh * p.kw, positions = p.oh * p.ow;
    std::vector<int32_t> corr(static_cast<size_t>(positions * p.o), 0);
    std::vector<uint8_t> border(static_cast<size_t>(positions), 0);
    std::vector<uint8_t> inside(static_cast<size_t>(taps));
    for (int64_t pos = 0; pos < positions; ++pos) {
        std::fill(inside.begin(), inside.end(), 0);
        int64_t count = 0;
        math::for_each_input_tap(p, pos / p.ow, pos % p.ow, [&](int64_t, int64_t, int64_t tap) {
            inside[static_cast<size_t>(tap)] = 1;
            ++count;
        });
        if (count == taps) continue;
        border[static_cast<size_t>(pos)] = 1;
        for (int64_t o = 0; o < p.o; ++o)
            for (int64_t t = 0; t < taps; ++t)
                if (!inside[static_cast<size_t>(t)])
                    corr[static_cast<size_t>(pos * p.o + o)] += ts[o * taps + t];
    }
#pragma omp parallel for schedule(static) if (p.n * positions * p.o > 65536)
    for (int64_t i = 0; i < p.n * positions; ++i) {
        const int64_t pos = i % positions;
        if (!border[static_cast<size_t>(pos)]) continue;
        for (int64_t o = 0; o < p.o; ++o)
            y[i * p.o + o] += corr[static_cast<size_t>(pos * p.o + o)];
    }
}

}  // namespace

BitConvWeights pack_conv_weights(const Tensor& w, int levels) {
    const char* op = "pack_conv_weights";
    check_defined(op, w);
    MDQ_CHECK(w.dim() == 4 && w.dtype() == DType::F32 && w.device().is_cpu(), op,
              ": needs f32 OHWI weights [O, KH, KW, C] on the CPU, got ", w.str());
    MDQ_CHECK(levels == 2 || levels == 3, op,
              ": binary (levels 2) or ternary (levels 3) weights, got ", levels, " levels");
    BitConvWeights b;
    b.levels = levels;
    b.o = w.size(0);
    b.kh = w.size(1);
    b.kw = w.size(2);
    b.c = w.size(3);
    const int64_t k = b.kh * b.kw * b.c, taps = b.kh * b.kw;
    const std::vector<float> v = w.contiguous().to_vector<float>();
    std::vector<int32_t> tap_sums(static_cast<size_t>(b.o * taps), 0),
        sums(static_cast<size_t>(b.o), 0);
    for (size_t i = 0; i < v.size(); ++i) {
        const float x = v[i];
        MDQ_CHECK(x == 1.0f || x == -1.0f || (levels == 3 && x == 0.0f), op, ": weight ", i, " is ",
                  x, "; ",
                  levels == 2 ? "binary weights are -1 or +1" : "ternary weights are -1, 0 or +1");
        const int64_t row = static_cast<int64_t>(i) / k, tap = (static_cast<int64_t>(i) % k) / b.c;
        tap_sums[static_cast<size_t>(row * taps + tap)] += static_cast<int32_t>(x);
        sums[static_cast<size_t>(row)] += static_cast<int32_t>(x);
    }
    if (levels == 2) {
        b.planes.push_back(plane_rows(v, b.o, k, 1.0f));
    } else {
        b.planes.push_back(plane_rows(v, b.o, k, 1.0f));
        b.planes.push_back(plane_rows(v, b.o, k, -1.0f));
    }
    b.tap_sums = Tensor::from_vector(tap_sums, {b.o, taps});
    b.sums = Tensor::from_vector(sums, {b.o});
    return b;
}

BitConvWeights pack_conv_weights(const PackedTensor& p) {
    MDQ_CHECK(p.levels == 2 || p.levels == 3, "pack_conv_weights: the bit kernels take binary or ",
              "ternary weights, the export has ", p.levels, " levels");
    MDQ_CHECK(p.shape.size() == 4 || p.shape.size() == 2,
              "pack_conv_weights: needs a conv [O, KH, ", "KW, C] or linear [out, in] weight, got ",
              shape_str(p.shape));
    const Tensor v = unpack_values(p).to(Device::cpu());
    const Shape s = p.shape.size() == 4 ? p.shape : Shape({p.shape[0], 1, 1, p.shape[1]});
    return pack_conv_weights(v.reshape(s), p.levels);
}

SignRows bit_patches(const Tensor& plane, int64_t c, const ConvProblem& p) {
    check_defined("bit_patches", plane);
    MDQ_CHECK(plane.dtype() == DType::I64 && plane.is_contiguous() && plane.device().is_cpu() &&
                  c == p.c && plane.shape() == Shape({p.n, p.h, p.w, math::sign_words(c)}),
              "bit_patches: needs a contiguous i64 CPU plane [", p.n, ", ", p.h, ", ", p.w, ", ",
              math::sign_words(p.c), "] of ", p.c, " channels, got ", plane.str(), " of ", c);
    const int64_t k = p.kh * p.kw * c, words = math::sign_words(k), cw = math::sign_words(c);
    SignRows r;
    r.rows = p.n * p.oh * p.ow;
    r.k = k;
    r.words = Tensor::zeros({r.rows, words}, DType::I64, plane.device());
    const auto* src = reinterpret_cast<const uint64_t*>(plane.data<int64_t>());
    auto* dst = reinterpret_cast<uint64_t*>(r.words.data<int64_t>());
#pragma omp parallel for schedule(static) if (r.rows * words > 4096)
    for (int64_t line = 0; line < p.n * p.oh; ++line) {
        const int64_t img = line / p.oh, oy = line % p.oh;
        for (int64_t ox = 0; ox < p.ow; ++ox) {
            uint64_t* row = dst + (line * p.ow + ox) * words;
            math::for_each_input_tap(p, oy, ox, [&](int64_t iy, int64_t ix, int64_t tap) {
                append_bits(row, tap * c, src + ((img * p.h + iy) * p.w + ix) * cw, c);
            });
        }
    }
    return r;
}

Tensor bit_conv2d(const BitActs& a, const BitConvWeights& w, const Conv2dArgs& args, BitIsa isa) {
    const char* op = "bit_conv2d";
    MDQ_CHECK(!a.planes.empty() && !w.planes.empty(), op, ": empty activations or weights");
    MDQ_CHECK(a.c == w.c, op, ": activations have ", a.c, " channels, the weights ", w.c);
    MDQ_CHECK(args.dilation_h == 1 && args.dilation_w == 1 && args.groups == 1, op,
              ": dilation 1 and one group only");
    const ConvProblem p = conv2d_problem({a.n, a.h, a.w, a.c}, {w.o, w.kh, w.kw, w.c}, args, op);
    const bool ternary = w.levels == 3;
    Tensor y = Tensor::zeros({p.n, p.oh, p.ow, p.o}, DType::I32, Device::cpu());
    int32_t* yp = y.data<int32_t>();
    const int32_t* sums = w.sums.data<int32_t>();
    const int64_t rows = p.n * p.oh * p.ow;
    for (int b = 0; b < a.bits(); ++b) {
        const SignRows patches = bit_patches(a.planes[static_cast<size_t>(b)], a.c, p);
        const Tensor gp = bitgemm(patches, w.planes[0], isa);  // [rows, O]
        const Tensor gm = ternary ? bitgemm(patches, w.planes[1], isa) : Tensor();
        const int32_t* g0 = gp.data<int32_t>();
        const int32_t* g1 = ternary ? gm.data<int32_t>() : nullptr;
        const int32_t scale = 1 << b;
        const bool sign = a.code == BitCode::Sign;
#pragma omp parallel for schedule(static) if (rows * p.o > 65536)
        for (int64_t i = 0; i < rows * p.o; ++i) {
            const int32_t g = ternary ? g0[i] - g1[i] : g0[i], s = sums[i % p.o];
            int32_t v;
            if (sign)
                v = ternary ? g / 2 : g;
            else
                v = ternary ? (g + 2 * s) / 4 : (g + s) / 2;
            yp[i] += scale * v;
        }
    }
    if (a.code == BitCode::Sign) add_padding(p, w, yp);
    return y;
}

}  // namespace mdq
