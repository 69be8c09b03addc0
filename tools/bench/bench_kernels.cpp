// mdq_bench_kernels: bandwidth of the memory-bound kernels (copy, unary, binary, cast,
// reductions) in GB/s of bytes read + written, and as a percentage of the device-to-device
// copy (cudaMemcpyAsync) measured in the same run. On a GPU every iteration is timed with CUDA
// events (Google Benchmark's manual time); without one the CPU kernels run at smaller sizes,
// against memcpy, so the benchmark runs (and is tested) everywhere. docs/BENCHMARKS.md.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/gpu.h"
#include "core/stream.h"
#include "kernels/ops.h"
#include "mdq/config.h"

namespace mdq::bench {

namespace {

// One kernel call and the bytes it reads and writes.
struct Work {
    std::function<void()> run;
    double bytes = 0;
};
using MakeWork = std::function<Work(int64_t n, Device d)>;

Tensor input(int64_t n, Device d, uint64_t seed) {
    Generator g(seed);
    return uniform({n}, -2.0, 2.0, DType::F32, d, &g);
}

// Seconds of one call: CUDA events around it on the current stream, or the host clock.
class Timer {
  public:
    explicit Timer(Device d) : device_(d), start_(true), stop_(true) {
        if (d.is_cuda()) {  // events are created on first record: keep that out of the timing
            start_.record(current_stream(d));
            stop_.record(current_stream(d));
            stop_.synchronize();
        }
    }
    double time(const std::function<void()>& fn) {
        if (device_.is_cpu()) {
            const auto t0 = std::chrono::steady_clock::now();
            fn();
            return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        const Stream s = current_stream(device_);
        start_.record(s);
        fn();
        stop_.record(s);
        stop_.synchronize();
        return static_cast<double>(start_.elapsed_ms(stop_)) * 1e-3;
    }

  private:
    Device device_;
    Event start_, stop_;
};

Work copy_work(int64_t n, Device d) {
    const Tensor x = input(n, d, 1), y = Tensor::empty({n}, DType::F32, d);
    Work w;
    w.bytes = 2.0 * static_cast<double>(x.nbytes());
    if (d.is_cuda()) {
#if MDQ_WITH_CUDA
        w.run = [=] { cuda::transfer(y.raw_data(), d, x.raw_data(), d, x.nbytes()); };
#endif
    } else {
        w.run = [=] { std::memcpy(y.raw_data(), x.raw_data(), x.nbytes()); };
    }
    return w;
}

MakeWork unary_work(UnaryOp op) {
    return [op](int64_t n, Device d) {
        const Tensor x = input(n, d, 2), y = Tensor::empty({n}, DType::F32, d);
        return Work{[=] { unary_forward_into(op, x, y); }, 2.0 * static_cast<double>(x.nbytes())};
    };
}

MakeWork binary_work(BinaryOp op) {
    return [op](int64_t n, Device d) {
        const Tensor a = input(n, d, 3), b = input(n, d, 4), y = Tensor::empty({n}, DType::F32, d);
        return Work{[=] { binary_forward_into(op, a, b, y); },
                    3.0 * static_cast<double>(a.nbytes())};
    };
}

Work cast_work(int64_t n, Device d) {
    const Tensor x = input(n, d, 5), y = Tensor::empty({n}, DType::BF16, d);
    return Work{[=] { copy_tensor(y, x); }, static_cast<double>(x.nbytes() + y.nbytes())};
}

// Sum of [outer, r] over r: outer = 1 is the sum of everything.
MakeWork sum_work(int64_t r) {
    return [r](int64_t n, Device d) {
        const int64_t rr = r > 0 ? r : n, outer = n / rr;
        const Tensor x = input(outer * rr, d, 6), y = Tensor::empty({outer}, DType::F32, d);
        return Work{[=] { reduce_into(ReduceOp::Sum, x, outer, rr, 1, y); },
                    static_cast<double>(x.nbytes() + y.nbytes())};
    };
}

// Copy bandwidth (GB/s) for n floats on d: the median of a few timed copies, measured once.
double copy_reference(int64_t n, Device d) {
    static std::map<int64_t, double> cache;
    auto it = cache.find(n);
    if (it != cache.end()) return it->second;
    const Work w = copy_work(n, d);
    Timer timer(d);
    w.run();  // warm up
    std::vector<double> t;
    for (int i = 0; i < 15; ++i)
        t.push_back(timer.time(w.run));
    std::nth_element(t.begin(), t.begin() + t.size() / 2, t.end());
    return cache[n] = w.bytes / t[t.size() / 2] * 1e-9;
}

void run(benchmark::State& state, const MakeWork& make, int64_t n, Device d) {
    const double reference = copy_reference(n, d);
    const Work w = make(n, d);
    Timer timer(d);
    w.run();  // warm up: first-use allocations, pool growth
    double seconds = 0;
    for (auto _ : state) {
        const double t = timer.time(w.run);
        state.SetIterationTime(t);
        seconds += t;
    }
    const double gbps = w.bytes * static_cast<double>(state.iterations()) / seconds * 1e-9;
    state.counters["GBps"] = gbps;
    state.counters["pct_of_copy"] = 100.0 * gbps / reference;
}

std::string size_label(int64_t n) {
    return n % (1 << 20) == 0 ? std::to_string(n >> 20) + "M" : std::to_string(n);
}

}  // namespace

void register_all() {
    const bool gpu = gpu::available();
    const Device d = gpu ? Device::cuda(0) : Device::cpu();
    const std::vector<int64_t> sizes =
        gpu ? std::vector<int64_t>{int64_t{16} << 20, int64_t{64} << 20}
            : std::vector<int64_t>{int64_t{1} << 20, int64_t{4} << 20};
    benchmark::AddCustomContext("mdq_device", gpu ? gpu::device_info(0).name : "cpu");
    const std::vector<std::pair<std::string, MakeWork>> works = {
        {"copy", copy_work},
        {"tanh", unary_work(UnaryOp::Tanh)},
        {"relu", unary_work(UnaryOp::Relu)},
        {"add", binary_work(BinaryOp::Add)},
        {"mul", binary_work(BinaryOp::Mul)},
        {"cast_f32_bf16", cast_work},
        {"sum_all", sum_work(0)},
        {"sum_lastdim_1024", sum_work(1024)},
    };
    for (const auto& [name, make] : works)
        for (int64_t n : sizes) {
            const std::string full = name + "/" + size_label(n);
            benchmark::RegisterBenchmark(
                full.c_str(), [make = make, n, d](benchmark::State& s) { run(s, make, n, d); })
                ->UseManualTime()
                ->Unit(benchmark::kMicrosecond);
        }
}

}  // namespace mdq::bench

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    mdq::bench::register_all();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
