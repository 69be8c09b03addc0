// Dtype dispatch of the generate kernels, shared by fill.cpp (the CPU) and fill_cuda.cu.
// Runner::run(e, device) runs a Generate<Out, G>.
#pragma once

#include "kernels/fill/fill.h"
#include "kernels/fill/fill_math.h"

namespace mdq {

template <class Out, class G>
Generate<Out, G> plan_generate(G gen, const Tensor& dst) {
    Generate<Out, G> e{};
    e.gen = gen;
    e.out = static_cast<Out*>(dst.raw_data());
    e.n = dst.numel();
    e.contiguous = dst.is_contiguous();
    if (!e.contiguous) e.calc = make_offset_calc<1>(dst.shape(), {dst.strides()});
    return e;
}

template <class Runner>
void launch_generate(const Tensor& dst, const GenSpec& s) {
    MDQ_DISPATCH_ALL(dst.dtype(), "fill", [&] {
        using A = acc_t<scalar_t>;
        const Device d = dst.device();
        switch (s.kind) {
            case GenKind::Constant:
                Runner::run(plan_generate<scalar_t>(math::ConstantGen<A>{static_cast<A>(s.a)}, dst),
                            d);
                break;
            case GenKind::Arange:
                Runner::run(plan_generate<scalar_t>(math::ArangeGen<A>{s.a, s.b}, dst), d);
                break;
            case GenKind::Uniform:
                Runner::run(plan_generate<scalar_t>(
                                math::UniformGen{s.seed, s.stream, s.first_block,
                                                 static_cast<float>(s.a), static_cast<float>(s.b)},
                                dst),
                            d);
                break;
            case GenKind::Normal:
                Runner::run(plan_generate<scalar_t>(
                                math::NormalGen{s.seed, s.stream, s.first_block,
                                                static_cast<float>(s.a), static_cast<float>(s.b)},
                                dst),
                            d);
                break;
        }
    });
}

}  // namespace mdq
