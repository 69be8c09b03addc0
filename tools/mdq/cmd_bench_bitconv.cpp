// `mdq bench bitconv`: per-layer times of the bit convolutions (kernels/bitconv) against mdq's
// float CPU convolution on the same shapes, random +-1 data: W1A1 XOR-popcount for every
// bitgemm variant this processor runs, and sign-select (binary weights, float activations).
// GOPS count 2 operations per multiply-accumulate; each time is the median of --iters calls.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "kernels/bitconv/signsel.h"
#include "kernels/conv/conv.h"
#include "kernels/elementwise/unary.h"
#include "kernels/fill/fill.h"
#include "tools/mdq/commands.h"
#include "tools/mdq/device_timer.h"

namespace mdq::tools {

namespace {

struct Layer {
    const char* name;
    int64_t hw, c, o, k, stride, pad;
};

// The 3x3 layers of resnet18-cifar at each width, and small-cnn's second convolution.
const Layer kLayers[] = {{"resnet18-cifar 32x32 64->64", 32, 64, 64, 3, 1, 1},
                         {"resnet18-cifar 16x16 128->128", 16, 128, 128, 3, 1, 1},
                         {"resnet18-cifar 8x8 256->256", 8, 256, 256, 3, 1, 1},
                         {"resnet18-cifar 4x4 512->512", 4, 512, 512, 3, 1, 1},
                         {"small-cnn conv2 14x14 16->32", 14, 16, 32, 5, 1, 2}};

struct BenchArgs {
    std::string only;  // layers whose name contains it (all when empty)
    int64_t batch = 16;
    int warmup = 1, iters = 5;
};

template <class F>
double median_ms(const BenchArgs& a, F&& f) {
    for (int i = 0; i < a.warmup; ++i)
        f();
    return median_of(time_each_ms(Device::cpu(), a.iters, f));
}

void bench_bitconv(const BenchArgs& a) {
    MDQ_CHECK(a.batch >= 1 && a.iters >= 1 && a.warmup >= 0,
              "bench bitconv: needs --batch >= 1, --iters >= 1 and --warmup >= 0");
    std::printf("%-30s %-12s %10s %10s %9s\n",
                ("layer (batch " + std::to_string(a.batch) + ")").c_str(), "kernel", "ms", "GOPS",
                "vs float");
    for (const Layer& l : kLayers) {
        if (std::string(l.name).find(a.only) == std::string::npos) continue;
        const Tensor x = sign(uniform({a.batch, l.hw, l.hw, l.c}, -1, 1));
        const Tensor w = sign(uniform({l.o, l.k, l.k, l.c}, -1, 1));
        Conv2dArgs args;
        args.stride_h = args.stride_w = l.stride;
        args.pad_h = args.pad_w = l.pad;
        const ConvProblem p = conv2d_problem(x.shape(), w.shape(), args);
        const double ops = 2.0 * static_cast<double>(p.n * p.oh * p.ow * p.o * p.taps());
        const auto row = [&](const char* kernel, double ms, double base) {
            std::printf("%-30s %-12s %10.3f %10.1f %8.2fx\n", l.name, kernel, ms, ops / ms / 1e6,
                        base / ms);
            std::fflush(stdout);
        };
        const double fl = median_ms(a, [&] { conv2d(x, w, Tensor(), args); });
        row("float", fl, fl);
        const BitConvWeights bw = pack_conv_weights(w, 2);
        row("sign-select", median_ms(a, [&] { sign_select_conv2d(x, bw, args); }), fl);
        for (BitIsa isa : supported_bit_isas()) {
            // Packing the input is part of the layer: a W1A1 network packs once per layer.
            const double ms = median_ms(a, [&] { bit_conv2d(pack_sign_acts(x), bw, args, isa); });
            row((std::string("w1a1 ") + bit_isa_name(isa)).c_str(), ms, fl);
        }
    }
}

}  // namespace

void add_bench_bitconv_command(CLI::App& app) {
    auto args = std::make_shared<BenchArgs>();
    auto* cmd = bench_group(app).add_subcommand(
        "bitconv", "Bit convolutions (W1A1 per CPU variant, sign-select) vs mdq's float conv");
    cmd->add_option("--only", args->only, "Only the layers whose name contains this text");
    cmd->add_option("--batch", args->batch, "Images per batch (default 16)");
    cmd->add_option("--warmup", args->warmup, "Untimed calls first (default 1)");
    cmd->add_option("--iters", args->iters, "Timed calls; the median is reported (default 5)");
    cmd->callback([args] { bench_bitconv(*args); });
}

}  // namespace mdq::tools
