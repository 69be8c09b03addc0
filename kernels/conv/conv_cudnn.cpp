// GPU convolution through cuDNN's convolution API (cuDNN 9): NHWC tensors, KRSC filters,
// accumulation in f32 (cuDNN has no channels-last f64: f64 convolutions run on the CPU). Math: FMA
// only for f32 (no TF32 unless MDQ_ALLOW_TF32=1), tensor cores for bf16/f16. Algorithms come from
// the _v7 heuristics, or from timing (cudnnFind*Ex) with MDQ_CUDNN_BENCHMARK=1 or
// set_conv_benchmark(true), and are cached under the full problem key. The workspace comes from the
// stream-ordered pool. When an algorithm fails the next one runs; when the cached one fails, its
// entry is dropped and the query repeated once (dlib #2531). A workspace that does not fit in
// memory moves on to the next algorithm (one with a smaller workspace may fit).
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <tuple>
#include <vector>

#include "kernels/common/cuda_utils.cuh"
#include "kernels/common/cudnn_handle.h"
#include "kernels/conv/conv.h"

namespace mdq::cuda {

namespace {

enum class Dir : int { Forward, BackwardData, BackwardFilter };

const char* dir_name(Dir d) {
    switch (d) {
        case Dir::Forward:
            return "conv2d forward";
        case Dir::BackwardData:
            return "conv2d backward (data)";
        case Dir::BackwardFilter:
            return "conv2d backward (filter)";
    }
    return "conv2d";
}

// The descriptors of one problem; x, w and y always describe the input, the weight and the
// output, whichever of them a direction writes.
class Descs {
  public:
    cudnnTensorDescriptor_t x = nullptr, y = nullptr;
    cudnnFilterDescriptor_t w = nullptr;
    cudnnConvolutionDescriptor_t conv = nullptr;

    Descs(const ConvProblem& p, cudnnDataType_t dt) {
        try {
            set(p, dt);
        } catch (...) {
            destroy();
            throw;
        }
    }
    ~Descs() { destroy(); }
    Descs(const Descs&) = delete;
    Descs& operator=(const Descs&) = delete;

  private:
    void set(const ConvProblem& p, cudnnDataType_t dt) {
        auto i = [](int64_t v) { return static_cast<int>(v); };
        const Conv2dArgs& a = p.args;
        CHECK_CUDNN(cudnnCreateTensorDescriptor(&x));
        CHECK_CUDNN(cudnnCreateTensorDescriptor(&y));
        CHECK_CUDNN(cudnnCreateFilterDescriptor(&w));
        CHECK_CUDNN(cudnnCreateConvolutionDescriptor(&conv));
        CHECK_CUDNN(
            cudnnSetTensor4dDescriptor(x, CUDNN_TENSOR_NHWC, dt, i(p.n), i(p.c), i(p.h), i(p.w)));
        CHECK_CUDNN(
            cudnnSetTensor4dDescriptor(y, CUDNN_TENSOR_NHWC, dt, i(p.n), i(p.o), i(p.oh), i(p.ow)));
        CHECK_CUDNN(cudnnSetFilter4dDescriptor(w, dt, CUDNN_TENSOR_NHWC, i(p.o), i(p.c_per_group()),
                                               i(p.kh), i(p.kw)));
        CHECK_CUDNN(cudnnSetConvolution2dDescriptor(conv, i(a.pad_h), i(a.pad_w), i(a.stride_h),
                                                    i(a.stride_w), i(a.dilation_h), i(a.dilation_w),
                                                    CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
        CHECK_CUDNN(cudnnSetConvolutionGroupCount(conv, i(a.groups)));
        int n = 0, c = 0, h = 0, wd = 0;
        CHECK_CUDNN(cudnnGetConvolution2dForwardOutputDim(conv, x, w, &n, &c, &h, &wd));
        MDQ_CHECK(n == p.n && c == p.o && h == p.oh && wd == p.ow,
                  "conv2d: cuDNN computes output [", n, ", ", h, ", ", wd, ", ", c, "] for ",
                  describe(p));
    }
    void destroy() noexcept {
        if (conv) cudnnDestroyConvolutionDescriptor(conv);
        if (w) cudnnDestroyFilterDescriptor(w);
        if (y) cudnnDestroyTensorDescriptor(y);
        if (x) cudnnDestroyTensorDescriptor(x);
    }
};

struct Ptrs {
    void* x;
    void* w;
    void* y;
};

// The per-direction entry points of cuDNN behind one interface.
template <Dir D>
struct Api;

template <>
struct Api<Dir::Forward> {
    using Perf = cudnnConvolutionFwdAlgoPerf_t;
    using Algo = cudnnConvolutionFwdAlgo_t;
    static cudnnStatus_t max_count(cudnnHandle_t h, int* n) {
        return cudnnGetConvolutionForwardAlgorithmMaxCount(h, n);
    }
    static cudnnStatus_t heuristics(cudnnHandle_t h, const Descs& d, int n, int* got, Perf* p) {
        return cudnnGetConvolutionForwardAlgorithm_v7(h, d.x, d.w, d.conv, d.y, n, got, p);
    }
    static cudnnStatus_t find(cudnnHandle_t h, const Descs& d, const Ptrs& t, int n, int* got,
                              Perf* p, void* ws, size_t bytes) {
        return cudnnFindConvolutionForwardAlgorithmEx(h, d.x, t.x, d.w, t.w, d.conv, d.y, t.y, n,
                                                      got, p, ws, bytes);
    }
    static cudnnStatus_t workspace(cudnnHandle_t h, const Descs& d, Algo a, size_t* bytes) {
        return cudnnGetConvolutionForwardWorkspaceSize(h, d.x, d.w, d.conv, d.y, a, bytes);
    }
    static cudnnStatus_t run(cudnnHandle_t h, const Descs& d, Algo a, const Ptrs& t,
                             const void* one, const void* zero, void* ws, size_t bytes) {
        return cudnnConvolutionForward(h, one, d.x, t.x, d.w, t.w, d.conv, a, ws, bytes, zero, d.y,
                                       t.y);
    }
};

template <>
struct Api<Dir::BackwardData> {
    using Perf = cudnnConvolutionBwdDataAlgoPerf_t;
    using Algo = cudnnConvolutionBwdDataAlgo_t;
    static cudnnStatus_t max_count(cudnnHandle_t h, int* n) {
        return cudnnGetConvolutionBackwardDataAlgorithmMaxCount(h, n);
    }
    static cudnnStatus_t heuristics(cudnnHandle_t h, const Descs& d, int n, int* got, Perf* p) {
        return cudnnGetConvolutionBackwardDataAlgorithm_v7(h, d.w, d.y, d.conv, d.x, n, got, p);
    }
    static cudnnStatus_t find(cudnnHandle_t h, const Descs& d, const Ptrs& t, int n, int* got,
                              Perf* p, void* ws, size_t bytes) {
        return cudnnFindConvolutionBackwardDataAlgorithmEx(h, d.w, t.w, d.y, t.y, d.conv, d.x, t.x,
                                                           n, got, p, ws, bytes);
    }
    static cudnnStatus_t workspace(cudnnHandle_t h, const Descs& d, Algo a, size_t* bytes) {
        return cudnnGetConvolutionBackwardDataWorkspaceSize(h, d.w, d.y, d.conv, d.x, a, bytes);
    }
    static cudnnStatus_t run(cudnnHandle_t h, const Descs& d, Algo a, const Ptrs& t,
                             const void* one, const void* zero, void* ws, size_t bytes) {
        return cudnnConvolutionBackwardData(h, one, d.w, t.w, d.y, t.y, d.conv, a, ws, bytes, zero,
                                            d.x, t.x);
    }
};

template <>
struct Api<Dir::BackwardFilter> {
    using Perf = cudnnConvolutionBwdFilterAlgoPerf_t;
    using Algo = cudnnConvolutionBwdFilterAlgo_t;
    static cudnnStatus_t max_count(cudnnHandle_t h, int* n) {
        return cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(h, n);
    }
    static cudnnStatus_t heuristics(cudnnHandle_t h, const Descs& d, int n, int* got, Perf* p) {
        return cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, d.x, d.y, d.conv, d.w, n, got, p);
    }
    static cudnnStatus_t find(cudnnHandle_t h, const Descs& d, const Ptrs& t, int n, int* got,
                              Perf* p, void* ws, size_t bytes) {
        return cudnnFindConvolutionBackwardFilterAlgorithmEx(h, d.x, t.x, d.y, t.y, d.conv, d.w,
                                                             t.w, n, got, p, ws, bytes);
    }
    static cudnnStatus_t workspace(cudnnHandle_t h, const Descs& d, Algo a, size_t* bytes) {
        return cudnnGetConvolutionBackwardFilterWorkspaceSize(h, d.x, d.y, d.conv, d.w, a, bytes);
    }
    static cudnnStatus_t run(cudnnHandle_t h, const Descs& d, Algo a, const Ptrs& t,
                             const void* one, const void* zero, void* ws, size_t bytes) {
        return cudnnConvolutionBackwardFilter(h, one, d.x, t.x, d.y, t.y, d.conv, a, ws, bytes,
                                              zero, d.w, t.w);
    }
};

// ---------------------------------------------------------------- algorithm cache

struct Choice {
    int algo = 0;
    cudnnMathType_t math = CUDNN_DEFAULT_MATH;
    size_t workspace = 0;
};

// The full problem: shapes, geometry, direction, dtype, math policy, determinism, device.
using Key =
    std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
               int64_t, int64_t, int64_t, int64_t, int64_t, int, int, bool, bool, int>;

Key make_key(const ConvProblem& p, Dir dir, DType dt, const CudnnSettings& s, int device) {
    const Conv2dArgs& a = p.args;
    return Key{p.n,
               p.h,
               p.w,
               p.c,
               p.o,
               p.kh,
               p.kw,
               a.stride_h,
               a.stride_w,
               a.pad_h,
               a.pad_w,
               a.dilation_h,
               a.dilation_w,
               a.groups,
               static_cast<int>(dir),
               static_cast<int>(dt),
               s.allow_tf32,
               s.deterministic,
               device};
}

std::mutex g_cache_mu;
std::map<Key, Choice> g_cache;
std::atomic<int64_t> g_searches{0};

std::optional<Choice> cache_get(const Key& k) {
    std::lock_guard<std::mutex> lock(g_cache_mu);
    auto it = g_cache.find(k);
    if (it == g_cache.end()) return std::nullopt;
    return it->second;
}
void cache_put(const Key& k, const Choice& c) {
    std::lock_guard<std::mutex> lock(g_cache_mu);
    g_cache[k] = c;
}
void cache_erase(const Key& k) {
    std::lock_guard<std::mutex> lock(g_cache_mu);
    g_cache.erase(k);
}

// ---------------------------------------------------------------- selection and execution

// The math type the problem asks for: FMA keeps f32 exact (no TF32) on Ampere and Hopper.
cudnnMathType_t requested_math(DType dt, const CudnnSettings& s) {
    if (dt == DType::BF16 || dt == DType::F16) return CUDNN_TENSOR_OP_MATH;
    if (dt == DType::F32 && !s.allow_tf32) return CUDNN_FMA_MATH;
    return CUDNN_DEFAULT_MATH;
}

// A workspace of `bytes`, or nothing when the GPU is out of memory.
std::optional<Tensor> try_workspace(size_t bytes, Device dev) {
    try {
        return Tensor::empty({static_cast<int64_t>(bytes)}, DType::U8, dev);
    } catch (const CudaError& e) {
        if (e.code() != cudaErrorMemoryAllocation) throw;
        return std::nullopt;
    }
}

bool capturing(Device dev) {
    cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
    CHECK_CUDA(cudaStreamIsCapturing(stream_for(dev), &status));
    return status != cudaStreamCaptureStatusNone;
}

// Usable algorithms in cuDNN's order of preference (expected or measured speed).
template <Dir D>
std::vector<Choice> query(cudnnHandle_t h, const Descs& d, const Ptrs& t, DType dt, Device dev) {
    using A = Api<D>;
    const CudnnSettings& s = cudnn_settings();
    const cudnnMathType_t math = requested_math(dt, s);
    g_searches.fetch_add(1, std::memory_order_relaxed);
    CHECK_CUDNN(cudnnSetConvolutionMathType(d.conv, math));
    int count = 0, got = 0;
    CHECK_CUDNN(A::max_count(h, &count));
    std::vector<typename A::Perf> perf(static_cast<size_t>(std::max(count, 1)));
    // Timing synchronises and allocates, which a CUDA graph capture cannot hold; a GPU too full
    // for the workspace limit gets the heuristics' order instead.
    std::optional<Tensor> find_ws;
    if (s.benchmark) {
        MDQ_CHECK(!capturing(dev), dir_name(D), ": ",
                  "an algorithm search by timing cannot run inside a CUDA graph capture; run the "
                  "step once eagerly before capturing it");
        find_ws = try_workspace(s.workspace_limit, dev);
    }
    if (find_ws) {
        CHECK_CUDNN(
            A::find(h, d, t, count, &got, perf.data(), find_ws->raw_data(), s.workspace_limit));
    } else {
        CHECK_CUDNN(A::heuristics(h, d, count, &got, perf.data()));
    }
    std::vector<Choice> out;
    for (int i = 0; i < got; ++i) {
        const auto& r = perf[static_cast<size_t>(i)];
        if (r.status != CUDNN_STATUS_SUCCESS) continue;
        if (s.deterministic && r.determinism != CUDNN_DETERMINISTIC) continue;
        // f32 keeps FMA whatever the algorithm reports, so TF32 never sneaks in.
        Choice c{static_cast<int>(r.algo), math == CUDNN_FMA_MATH ? math : r.mathType, 0};
        if (cudnnSetConvolutionMathType(d.conv, c.math) != CUDNN_STATUS_SUCCESS) continue;
        if (A::workspace(h, d, r.algo, &c.workspace) != CUDNN_STATUS_SUCCESS) continue;
        if (c.workspace > s.workspace_limit) continue;
        out.push_back(c);
    }
    return out;
}

template <Dir D>
cudnnStatus_t execute(cudnnHandle_t h, const Descs& d, const Choice& c, const Ptrs& t, Device dev) {
    using A = Api<D>;
    const cudnnStatus_t st = cudnnSetConvolutionMathType(d.conv, c.math);
    if (st != CUDNN_STATUS_SUCCESS) return st;
    const std::optional<Tensor> ws = try_workspace(c.workspace, dev);
    if (!ws) return CUDNN_STATUS_ALLOC_FAILED;
    const float one = 1.0f, zero = 0.0f;
    return A::run(h, d, static_cast<typename A::Algo>(c.algo), t, &one, &zero, ws->raw_data(),
                  c.workspace);
}

template <Dir D>
void run_conv(const ConvProblem& p, DType dt, Device dev, const Ptrs& t) {
    MDQ_CHECK(dt != DType::F64, dir_name(D), ": cuDNN has no channels-last f64 convolution; ",
              "f64 convolutions run on the CPU");
    cudnnHandle_t h = cudnn_handle(dev);
    Descs d(p, cudnn_dtype(dt, dir_name(D)));
    const Key key = make_key(p, D, dt, cudnn_settings(), dev.index);
    cudnnStatus_t last = CUDNN_STATUS_NOT_SUPPORTED;
    for (int pass = 0; pass < 2; ++pass) {
        std::vector<Choice> candidates;
        const std::optional<Choice> cached = pass == 0 ? cache_get(key) : std::nullopt;
        if (cached) {
            candidates.push_back(*cached);
        } else {
            candidates = query<D>(h, d, t, dt, dev);
        }
        for (const Choice& c : candidates) {
            last = execute<D>(h, d, c, t, dev);
            if (last == CUDNN_STATUS_SUCCESS) {
                cache_put(key, c);
                return;
            }
            // A failed candidate may leave a CUDA error behind; the next launch check must not
            // blame its own kernel for it.
            (void)cudaGetLastError();
        }
        if (!cached) break;
        cache_erase(key);  // retry once without the cache
    }
    throw CudnnError(
        static_cast<int>(last),
        detail::located(
            __FILE__, __LINE__,
            detail::cat(dir_name(D), ": no cuDNN algorithm ran for ", describe(p), " in ",
                        dtype_name(dt), " (last status: ", cudnnGetErrorString(last), ")")));
}

}  // namespace

void set_conv_benchmark(bool benchmark) {
    set_cudnn_benchmark(benchmark);
}

void set_conv_deterministic(bool deterministic) {
    set_cudnn_deterministic(deterministic);
}

int64_t conv_algorithm_searches() {
    return g_searches.load(std::memory_order_relaxed);
}

void conv2d_forward(const ConvProblem& p, const Tensor& x, const Tensor& w, const Tensor& y) {
    run_conv<Dir::Forward>(p, x.dtype(), x.device(), {x.raw_data(), w.raw_data(), y.raw_data()});
}

void conv2d_backward_data(const ConvProblem& p, const Tensor& dy, const Tensor& w,
                          const Tensor& dx) {
    run_conv<Dir::BackwardData>(p, dy.dtype(), dy.device(),
                                {dx.raw_data(), w.raw_data(), dy.raw_data()});
}

void conv2d_backward_filter(const ConvProblem& p, const Tensor& x, const Tensor& dy,
                            const Tensor& dw) {
    run_conv<Dir::BackwardFilter>(p, x.dtype(), x.device(),
                                  {x.raw_data(), dw.raw_data(), dy.raw_data()});
}

}  // namespace mdq::cuda
