// CUDA graphs (docs/DESIGN.md decision 6): the work a piece of code enqueues on one stream,
// captured once and then replayed as a single launch, so that a training step costs the host
// one call instead of hundreds of kernel launches.
//
//   CudaGraph g;
//   g.capture(current_stream(dev), [&] { step(); });  // records the work, runs none of it
//   g.replay();                                        // runs it; as often as needed
//
// Capture runs in thread-local mode: a host synchronisation, a cudaMalloc or any other call
// that cannot be captured, made on this thread while capturing, fails with a CUDA error that
// capture() passes on (the step then needs fixing; it would have stalled the GPU). Memory that
// the captured work takes from the stream-ordered pool must be freed inside it as well:
// capture() throws when some is still held at the end. Every replay uses the addresses of the
// capture, so inputs go into tensors that existed before it and keep their storage.
#pragma once

#include <cstddef>
#include <functional>

#include "core/stream.h"

namespace mdq {

class CudaGraph {
  public:
    CudaGraph() = default;
    ~CudaGraph();
    CudaGraph(const CudaGraph&) = delete;
    CudaGraph& operator=(const CudaGraph&) = delete;

    // Captures what fn enqueues on `stream` (an mdq CUDA stream, current for its device while
    // fn runs) and instantiates it, replacing any earlier graph. When fn throws or the capture
    // fails, the capture is ended, nothing is kept and the error is passed on.
    void capture(const Stream& stream, const std::function<void()>& fn);
    // Launches the graph on the stream it was captured on; no host wait.
    void replay() const;
    bool empty() const { return exec_ == nullptr; }
    size_t num_nodes() const { return nodes_; }
    void reset();

  private:
    void* graph_ = nullptr;  // cudaGraph_t
    void* exec_ = nullptr;   // cudaGraphExec_t
    Stream stream_;
    size_t nodes_ = 0;
};

}  // namespace mdq
