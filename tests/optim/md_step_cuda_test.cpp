// CPU-vs-CUDA parity of the fused step for every method family and base optimizer (with the
// projection-only pass, hard codes and packed export), and the fused step captured in a CUDA
// graph. Outputs are poisoned (NaN) first so a kernel that skips an element fails. Skipped
// without a GPU. The standalone projection and packing kernels: tests/kernels/quant/.
#include <cstring>

#include "kernels/quant/pack.h"
#include "mdq/config.h"
#include "optim/quant_optimizer.h"
#include "optim/train/hard_eval.h"
#include "tests/testing/quant_models.h"

#if MDQ_WITH_CUDA
#include <cuda_runtime.h>

#include "core/stream.h"
#endif

namespace mdq {
namespace {

struct ParityCase {
    const char* method;
    int levels;
    BaseOptimizer base;
    bool stable = false;
};

QuantConfig config_for(const ParityCase& s) {
    QuantConfig qc;
    qc.spec.method = parse_method(s.method);
    qc.spec.levels = s.levels;
    qc.spec.stable = s.stable;
    qc.seed = 17;
    return qc;
}

OptimConfig optim_for(const ParityCase& s) {
    OptimConfig oc;
    oc.base = s.base;
    oc.momentum = s.base == BaseOptimizer::Sgd ? 0.9 : 0.0;
    oc.weight_decay = 1e-3;
    oc.beta.rho = 1.3;
    oc.lr = LrSchedule::step(1e-2, 2, 0.5);
    return oc;
}

TEST(QuantCuda, FusedStepMatchesCpu) {
    MDQ_SKIP_IF_NO_CUDA();
    const ParityCase setups[] = {
        {"float", 2, BaseOptimizer::Adam},
        {"md-tanh-s", 2, BaseOptimizer::Adam},
        {"md-tanh-s", 3, BaseOptimizer::Sgd},
        {"md-tanh-s", 8, BaseOptimizer::AdamW},
        {"gd-tanh", 3, BaseOptimizer::Adam},
        {"bc", 2, BaseOptimizer::Sgd},
        {"proxquant", 3, BaseOptimizer::Adam},
        {"md-tanh", 2, BaseOptimizer::Adam},
        {"md-tanh", 3, BaseOptimizer::Adam, true},
        {"md-tanh", 4, BaseOptimizer::Adam},
        {"md-softmax-s", 3, BaseOptimizer::Adam},
        {"pmf", 2, BaseOptimizer::Adam},
        {"picm", 2, BaseOptimizer::Sgd},
        {"md-softmax", 3, BaseOptimizer::Adam},
        {"dorefa", 4, BaseOptimizer::Adam},
        {"md-tanh", 2, BaseOptimizer::AdamW, true},
        {"md-softmax", 2, BaseOptimizer::Adam, true},
    };
    for (const ParityCase& s : setups) {
        auto mc = testing::param_zoo(), mg = testing::param_zoo();
        mg->to(Device::cuda());
        ParamArena ac(*mc), ag(*mg);
        ac.enable_compute_copy(DType::BF16);
        ag.enable_compute_copy(DType::BF16);
        QuantOptimizer c(ac, config_for(s), optim_for(s)), g(ag, config_for(s), optim_for(s));
        const std::string what = std::string(s.method) + "/" + std::to_string(s.levels);
        // Same Philox init on both devices (libm ulps apart at most).
        for (const auto& p : c.params())
            if (p.spec.quantized()) {
                EXPECT_TRUE(testing::all_close(g.stored(p.name), c.stored(p.name), 1e-5, 1e-6))
                    << what << " init " << p.name;
            }
        // Start the GPU from the CPU's exact state, poison its weights, and step both.
        g.load_state(c.state());
        ag.values().fill_(NAN);
        g.reproject();
        EXPECT_TRUE(testing::all_close(ag.values(), ac.values(), 1e-6, 1e-7)) << what;
        for (int64_t t = 0; t < 4; ++t) {
            const Tensor grad = testing::random_tensor({ac.size()}, 300 + t, -1, 1);
            ac.grads().copy_(grad);
            ag.grads().copy_(grad);
            c.step();
            g.step();
        }
        EXPECT_TRUE(testing::all_close(ag.values(), ac.values(), 2e-5, 2e-6)) << what;
        EXPECT_TRUE(testing::all_close(ag.compute_values(), ac.compute_values(), 1e-2, 1e-3))
            << what;
        for (const auto& p : c.params()) {
            if (p.spec.quantized()) {
                EXPECT_TRUE(testing::all_close(g.stored(p.name), c.stored(p.name), 2e-5, 2e-6))
                    << what << " " << p.name;
            }
            EXPECT_TRUE(
                testing::all_close(g.first_moment(p.name), c.first_moment(p.name), 1e-5, 1e-7))
                << what << " " << p.name;
        }
        // The device-side iteration counter advanced with the host's.
        Tensor ctrl = g.control().to(Device::cpu());
        StepControl sc;
        std::memcpy(&sc, ctrl.raw_data(), sizeof sc);
        EXPECT_EQ(sc.step, 4);
        EXPECT_EQ(sc.blocks_done, 0u);
        EXPECT_FLOAT_EQ(sc.cur.beta, static_cast<float>(g.beta()));
        // Hard codes and packed export agree.
        const auto pc = c.export_packed(), pg = g.export_packed();
        ASSERT_EQ(pc.size(), pg.size());
        for (size_t i = 0; i < pc.size(); ++i) {
            const Tensor a = pc[i].second.data, b = pg[i].second.data.to(Device::cpu());
            int64_t diff = 0;
            const auto av = a.to_vector<uint8_t>(), bv = b.to_vector<uint8_t>();
            for (size_t k = 0; k < av.size(); ++k)
                diff += av[k] != bv[k];
            EXPECT_LE(diff, 2) << what << " " << pc[i].first;  // weights exactly at a threshold
        }
    }
}

TEST(QuantCuda, FusedStepIsGraphCapturable) {
    MDQ_SKIP_IF_NO_CUDA();
#if MDQ_WITH_CUDA
    auto ma = testing::param_zoo(), mb = testing::param_zoo();
    ma->to(Device::cuda());
    mb->to(Device::cuda());
    ParamArena aa(*ma), ab(*mb);
    const ParityCase s{"md-tanh-s", 3, BaseOptimizer::Adam};
    QuantOptimizer a(aa, config_for(s), optim_for(s)), b(ab, config_for(s), optim_for(s));
    const Tensor grad = testing::random_tensor({aa.size()}, 9, -1, 1, DType::F32, Device::cuda());
    aa.grads().copy_(grad);
    ab.grads().copy_(grad);
    const cudaStream_t stream = static_cast<cudaStream_t>(current_stream(Device::cuda()).handle());
    cudaGraph_t graph = nullptr;
    cudaGraphExec_t exec = nullptr;
    ASSERT_EQ(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), cudaSuccess);
    b.step();  // a host synchronization inside would end the capture with an error
    ASSERT_EQ(cudaStreamEndCapture(stream, &graph), cudaSuccess);
    ASSERT_EQ(cudaGraphInstantiate(&exec, graph, 0), cudaSuccess);
    for (int t = 0; t < 3; ++t) {
        a.step();
        ASSERT_EQ(cudaGraphLaunch(exec, stream), cudaSuccess);
    }
    ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
    cudaGraphExecDestroy(exec);
    cudaGraphDestroy(graph);
    // Each replay ran the next iteration's schedules from the device-resident counter.
    EXPECT_TRUE(testing::all_equal(ab.values(), aa.values()));
    EXPECT_TRUE(testing::all_equal(b.stored("fc1.weight"), a.stored("fc1.weight")));
#endif
}

}  // namespace
}  // namespace mdq
