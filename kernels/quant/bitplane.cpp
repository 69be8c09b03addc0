#include "kernels/quant/bitplane.h"

#include <cmath>

#include "kernels/elementwise/binary.h"
#include "kernels/elementwise/unary.h"
#include "kernels/quant/quant_launch.h"
#include "kernels/reduce/reduce.h"

namespace mdq {

namespace {

void check_bits(const char* op, int bits) {
    MDQ_CHECK(bits >= 1 && bits <= kMaxBitPlanes, op, ": bits must lie in [1, ", kMaxBitPlanes,
              "], got ", bits);
}

void check_f32(const char* op, const Tensor& t, const char* what) {
    check_defined(op, t);
    MDQ_CHECK(t.dtype() == DType::F32 && t.is_contiguous(), op, ": ", what,
              " must be contiguous f32, got ", t.str());
}

// Checks the planes agree with each other and with `bits`; returns the weight count.
int64_t check_planes(const char* op, const BitPlanes& p) {
    check_bits(op, p.bits);
    check_f32(op, p.pos, "positive planes");
    check_f32(op, p.neg, "negative planes");
    check_same_device(op, p.pos, p.neg);
    MDQ_CHECK(
        p.pos.shape() == p.neg.shape() && !p.pos.shape().empty() && p.pos.shape().back() == p.bits,
        op, ": planes ", p.pos.str(), " and ", p.neg.str(), " must both end in ", p.bits,
        " planes");
    MDQ_CHECK(std::isfinite(p.step) && p.step > 0.f, op, ": step must be positive, got ", p.step);
    return p.pos.numel() / p.bits;
}

// Checks the planes and that t is a contiguous f32 tensor of their weights on their device.
int64_t check_weight_like(const char* op, const BitPlanes& p, const Tensor& t, const char* what) {
    const int64_t n = check_planes(op, p);
    check_f32(op, t, what);
    check_same_device(op, p.pos, t);
    MDQ_CHECK(t.numel() == n, op, ": ", what, " ", t.str(), " must hold ", n, " values");
    return n;
}

Shape with_planes(const Shape& s, int bits) {
    Shape r = s;
    r.push_back(bits);
    return r;
}

// Per plane, the largest |bit| of either sign: [bits] on the host.
std::vector<float> plane_amax(const BitPlanes& p) {
    const Shape flat{p.pos.numel() / p.bits, p.bits};
    const Tensor m = amax(maximum(abs(p.pos.view(flat)), abs(p.neg.view(flat))), {0});
    return m.to(Device::cpu()).to_vector<float>();
}

}  // namespace

Shape BitPlanes::weight_shape() const {
    Shape s = pos.shape();
    if (!s.empty()) s.pop_back();
    return s;
}

BitPlanes bitplane_decompose(const Tensor& w, int bits) {
    const char* op = "bitplane_decompose";
    check_bits(op, bits);
    check_f32(op, w, "weight");
    const float top = amax(abs(w)).to(Device::cpu()).item<float>();
    MDQ_CHECK(std::isfinite(top), op, ": weight ", w.str(), " holds a non-finite value");
    const float levels = static_cast<float>((1u << bits) - 1u);
    return bitplane_decompose(w, bits, top > 0.f ? top / levels : 1.f);
}

BitPlanes bitplane_decompose(const Tensor& w, int bits, float step) {
    const char* op = "bitplane_decompose";
    check_bits(op, bits);
    check_f32(op, w, "weight");
    MDQ_CHECK(std::isfinite(step) && step > 0.f, op, ": step must be positive, got ", step);
    BitPlanes p;
    p.bits = bits;
    p.step = step;
    p.pos = Tensor::empty(with_planes(w.shape(), bits), DType::F32, w.device());
    p.neg = Tensor::empty(with_planes(w.shape(), bits), DType::F32, w.device());
    const BitDecompose e{w.data<float>(), p.pos.data<float>(), p.neg.data<float>(), w.numel(), bits,
                         1.f / step};
    launch_body(op, e, w.device());
    return p;
}

void bitplane_recompose_into(const BitPlanes& p, const Tensor& out) {
    const char* op = "bitplane_recompose";
    const int64_t n = check_weight_like(op, p, out, "output");
    const BitRecompose e{
        p.pos.data<float>(), p.neg.data<float>(), out.data<float>(), n, p.bits, p.step};
    launch_body(op, e, out.device());
}

Tensor bitplane_recompose(const BitPlanes& p) {
    check_planes("bitplane_recompose", p);
    Tensor out = Tensor::empty(p.weight_shape(), DType::F32, p.pos.device());
    bitplane_recompose_into(p, out);
    return out;
}

BitPlaneGrad bitplane_recompose_grad(const BitPlanes& p, const Tensor& dw) {
    const char* op = "bitplane_recompose_grad";
    const int64_t n = check_weight_like(op, p, dw, "weight gradient");
    BitPlaneGrad g;
    g.dpos = Tensor::zeros(p.pos.shape(), DType::F32, p.pos.device());
    g.dneg = Tensor::zeros(p.pos.shape(), DType::F32, p.pos.device());
    const BitRecomposeGrad e{
        dw.data<float>(), g.dpos.data<float>(), g.dneg.data<float>(), n, p.bits, p.step};
    launch_body(op, e, dw.device());
    // w = step * level, so dL/dstep = sum_i dw_i * w_i / step.
    const Tensor w = bitplane_recompose(p);
    g.dstep = sum(mul(dw.view(w.shape()), w)).to(Device::cpu()).item<float>() / p.step;
    return g;
}

BitPlanes bitplane_requantize(const BitPlanes& p) {
    check_planes("bitplane_requantize", p);
    return bitplane_decompose(bitplane_recompose(p), p.bits, p.step);
}

PlaneDrop bitplane_zero_ends(const BitPlanes& p) {
    check_planes("bitplane_zero_ends", p);
    const std::vector<float> m = plane_amax(p);
    PlaneDrop d;
    while (d.msb < p.bits - 1 && m[p.bits - 1 - d.msb] == 0.f)
        ++d.msb;
    while (d.lsb < p.bits - 1 - d.msb && m[d.lsb] == 0.f)
        ++d.lsb;
    return d;
}

Tensor bitplane_slice(const Tensor& t, int lo, int count) {
    const char* op = "bitplane_slice";
    check_f32(op, t, "planes");
    MDQ_CHECK(!t.shape().empty(), op, ": planes need a plane dim, got ", t.str());
    const int bits = static_cast<int>(t.shape().back());
    MDQ_CHECK(lo >= 0 && count >= 1 && lo + count <= bits, op, ": planes [", lo, ", ", lo + count,
              ") do not lie in the ", bits, " planes of ", t.str());
    Shape s = t.shape();
    s.back() = count;
    Tensor out = Tensor::empty(s, DType::F32, t.device());
    const BitSlice e{t.data<float>(), out.data<float>(), t.numel() / bits, bits, lo, count};
    launch_body(op, e, t.device());
    return out;
}

BitPlanes bitplane_drop_zero_ends(const BitPlanes& p) {
    const PlaneDrop d = bitplane_zero_ends(p);
    BitPlanes r;
    r.bits = p.bits - d.msb - d.lsb;
    r.step = std::ldexp(p.step, d.lsb);  // exact: a power of two
    r.pos = bitplane_slice(p.pos, d.lsb, r.bits);
    r.neg = bitplane_slice(p.neg, d.lsb, r.bits);
    return r;
}

GroupLasso bitplane_group_lasso(const BitPlanes& p, double coef) {
    check_planes("bitplane_group_lasso", p);
    MDQ_CHECK(std::isfinite(coef) && coef >= 0, "bitplane_group_lasso: coef must be >= 0, got ",
              coef);
    const Shape flat{p.pos.numel() / p.bits, p.bits};
    const Tensor pf = p.pos.view(flat), nf = p.neg.view(flat);
    const Tensor norm = sqrt(sum(mul(pf, pf) + mul(nf, nf), {0}) + 1e-8);  // [bits]
    GroupLasso g;
    for (float v : norm.to(Device::cpu()).to_vector<float>())
        g.value += coef * v;
    const Tensor scale = coef / norm;
    g.dpos = mul(pf, scale).view(p.pos.shape());
    g.dneg = mul(nf, scale).view(p.neg.shape());
    return g;
}

}  // namespace mdq
