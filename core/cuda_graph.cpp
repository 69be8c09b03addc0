#include "core/cuda_graph.h"

#include "core/allocator.h"
#include "core/error.h"
#include "mdq/config.h"

#if MDQ_WITH_CUDA
#include "core/cuda_check.h"
#endif

namespace mdq {

CudaGraph::~CudaGraph() {
    reset();
}

void CudaGraph::reset() {
#if MDQ_WITH_CUDA
    if (exec_) CHECK_CUDA_NOTHROW(cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(exec_)));
    if (graph_) CHECK_CUDA_NOTHROW(cudaGraphDestroy(static_cast<cudaGraph_t>(graph_)));
#endif
    exec_ = graph_ = nullptr;
    nodes_ = 0;
}

#if MDQ_WITH_CUDA

void CudaGraph::capture(const Stream& stream, const std::function<void()>& fn) {
    MDQ_CHECK(stream.is_cuda() && stream.handle() != nullptr,
              "CudaGraph::capture needs an mdq CUDA stream (not the CPU, not the legacy default "
              "stream)");
    MDQ_CHECK(fn != nullptr, "CudaGraph::capture: no function to capture");
    MDQ_CHECK(!detail::sync_after_launch(),
              "CudaGraph::capture: MDQ_CUDA_SYNC_DEBUG=1 synchronises after every launch, which "
              "a capture cannot contain; unset it to use CUDA graphs");
    reset();
    const auto s = static_cast<cudaStream_t>(stream.handle());
    Allocator& alloc = allocator_for(stream.device());
    const size_t held_before = alloc.stats().in_use;
    cudaGraph_t graph = nullptr;
    {
        StreamGuard current(stream);
        CHECK_CUDA(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
        // Ends the capture (leaving the stream usable) and throws with the rules of capture.
        auto fail = [&](const std::string& why) {
            (void)cudaStreamEndCapture(s, &graph);
            if (graph) (void)cudaGraphDestroy(graph);
            (void)cudaGetLastError();
            MDQ_THROW(Error, "CUDA graph capture failed: ", why,
                      " (a captured step may not synchronise with the host, call cudaMalloc, "
                      "free memory allocated before the capture or copy from pageable host "
                      "memory)");
        };
        try {
            fn();
        } catch (const std::exception& e) {
            fail(e.what());
        }
        // Some calls (a free inside the step) report errors without throwing, and the capture
        // is then invalidated: say so with the same advice.
        const cudaError_t end = cudaStreamEndCapture(s, &graph);
        if (end != cudaSuccess) {
            graph = nullptr;
            fail(cudaGetErrorString(end));
        }
    }
    graph_ = graph;
    const size_t held_after = alloc.stats().in_use;
    if (held_after != held_before) {
        reset();
        MDQ_THROW(Error, "CUDA graph capture: ", held_after > held_before ? "+" : "-",
                  held_after > held_before ? held_after - held_before : held_before - held_after,
                  " bytes of device memory changed hands across the capture (held before ",
                  held_before, ", after ", held_after,
                  "); the captured work must free what it allocates and nothing else");
    }
    CHECK_CUDA(cudaGraphGetNodes(graph, nullptr, &nodes_));
    cudaGraphExec_t exec = nullptr;
    CHECK_CUDA(cudaGraphInstantiate(&exec, graph, 0));
    exec_ = exec;
    stream_ = stream;
    CHECK_CUDA(cudaGraphUpload(exec, s));  // the first replay then costs no more than the rest
}

void CudaGraph::replay() const {
    MDQ_CHECK(exec_ != nullptr, "CudaGraph::replay: nothing captured");
    CHECK_CUDA(cudaGraphLaunch(static_cast<cudaGraphExec_t>(exec_),
                               static_cast<cudaStream_t>(stream_.handle())));
}

#else

void CudaGraph::capture(const Stream&, const std::function<void()>&) {
    MDQ_THROW(NotCompiledError, "CudaGraph::capture: mdq was built without CUDA");
}

void CudaGraph::replay() const {
    MDQ_THROW(NotCompiledError, "CudaGraph::replay: mdq was built without CUDA");
}

#endif

}  // namespace mdq
