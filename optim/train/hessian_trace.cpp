#include "optim/train/hessian_trace.h"

#include <cmath>

#include "core/generator.h"
#include "kernels/ops.h"

namespace mdq {

HutchinsonResult hutchinson_traces(const BlockGradients& grad, const std::vector<Tensor>& like,
                                   const HutchinsonOptions& o) {
    MDQ_CHECK(o.max_probes >= 1, "hutchinson_traces: max_probes must be >= 1, got ", o.max_probes);
    MDQ_CHECK(o.eps > 0 && std::isfinite(o.eps), "hutchinson_traces: eps must be > 0, got ", o.eps);
    MDQ_CHECK(o.rel_tol >= 0, "hutchinson_traces: rel_tol must be >= 0, got ", o.rel_tol);
    const size_t nb = like.size();
    HutchinsonResult r;
    r.traces.assign(nb, 0.0);
    Generator gen(o.seed, o.stream);
    for (int k = 1; k <= o.max_probes; ++k) {
        std::vector<Tensor> v(nb), plus(nb), minus(nb);
        for (size_t b = 0; b < nb; ++b) {
            check_defined("hutchinson_traces", like[b]);
            Tensor u = Tensor::empty(like[b].shape(), like[b].dtype(), like[b].device());
            uniform_(u, -1.0, 1.0, &gen);
            v[b] = sign(u);  // Rademacher: a uniform draw is 0 with probability 0
            plus[b] = v[b] * o.eps;
            minus[b] = v[b] * -o.eps;
        }
        const std::vector<Tensor> gp = grad(plus), gm = grad(minus);
        MDQ_CHECK(gp.size() == nb && gm.size() == nb, "hutchinson_traces: the gradient gave ",
                  gp.size(), " blocks, expected ", nb);
        bool settled = k > 1;
        for (size_t b = 0; b < nb; ++b) {
            MDQ_CHECK(gp[b].shape() == like[b].shape() && gm[b].shape() == like[b].shape(),
                      "hutchinson_traces: block ", b, " gradient is ", gp[b].str(), ", expected ",
                      like[b].shape());
            const double vhv =
                sum(v[b] * (gp[b] - gm[b]).to(v[b].dtype())).item<double>() / (2.0 * o.eps);
            const double prev = r.traces[b];
            r.traces[b] += (vhv - prev) / k;  // running mean
            if (std::fabs(r.traces[b] - prev) > o.rel_tol * std::fabs(prev)) settled = false;
        }
        r.probes = k;
        if (o.rel_tol > 0 && settled) break;
    }
    return r;
}

}  // namespace mdq
