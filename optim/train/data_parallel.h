// DataParallel: averages the gradients of a ParamArena over the ranks of a Communicator,
// overlapping the transfers with backward (docs/DESIGN.md decisions 4 and 8).
//
// The flat gradient arena is cut into buckets of whole parameters, in reverse registration
// order since backward produces the last layers' gradients first; each bucket is one
// contiguous range of the arena, so it is reduced in place without copies. A post-accumulate
// hook on every parameter counts the gradients that have arrived; once a bucket is complete
// its all-reduce (average) starts at once on the communicator (NCCL: on its own stream after
// the gradient kernels; MPI: MPI_Iallreduce) while backward goes on. Buckets start in index
// order on every rank, so every rank issues the same collectives in the same order even when
// its backward completes them in another order.
//
//   ParamArena arena(model);
//   auto comm = comm::make_communicator("auto", device, {config.get_float("comm_timeout")});
//   DataParallel dp(arena, comm);
//   dp.broadcast_initial_state(model);  // once, before the optimizer reads the weights
//   for (each step) {
//       arena.zero_grad();
//       Tensor loss = criterion(model(batch.images), batch.labels);
//       dp.start_step();                // arms the hooks
//       loss.backward();                // buckets start as they fill
//       dp.finish();                    // the rest start; every gradient is the average
//       optimizer.step();
//   }
//
// With gradient accumulation over several backward passes, call start_step() before the last
// one only: the hooks do nothing while not armed.
#pragma once

#include <memory>
#include <vector>

#include "core/comm/communicator.h"
#include "layers/param_arena.h"

namespace mdq {

struct DataParallelOptions {
    int64_t bucket_bytes = 25 << 20;
    // The first bucket to fill (the last layers) is smaller, so the first transfer starts early.
    int64_t first_bucket_bytes = 1 << 20;
};

class DataParallel {
  public:
    struct Bucket {
        int64_t begin = 0, end = 0;  // element range of the arena (padding included)
        std::vector<int> slots;      // indices into arena.slots(), in the order backward fills them
    };
    // One all-reduce start of the last step, in start order.
    struct Launch {
        int bucket = 0;
        int grads_ready = 0;       // parameter gradients that had arrived at that moment
        bool in_backward = false;  // started by a hook (not by finish())
    };

    // The arena must be final (after Module::to and enable_compute_copy) and outlive this
    // object; comm's device must be the arena's.
    DataParallel(ParamArena& arena, std::shared_ptr<comm::Communicator> comm,
                 const DataParallelOptions& options = {});
    ~DataParallel();
    DataParallel(const DataParallel&) = delete;
    DataParallel& operator=(const DataParallel&) = delete;

    // Copies rank 0's parameter values and model buffers (batch-norm statistics) to every rank,
    // after checking that every rank built the same model (same arena size, parameter and
    // buffer counts); refreshes the arena's compute copy. `model` is the arena's module.
    void broadcast_initial_state(Module& model);
    // Copies rank 0's t to every rank (other state, e.g. an optimizer's, created before).
    void broadcast(const Tensor& t);

    // Arms the hooks for the next backward pass. The previous step must be finished.
    void start_step();
    // Starts the buckets that no hook completed (parameters without a gradient this step:
    // their zero gradients still take part) and waits until every gradient is averaged: on a
    // GPU the caller's current stream waits (no host wait), on the CPU the host does. A rank
    // that stopped answering makes this throw CommError (on a GPU: this or the next call).
    void finish();
    // Host wait for the last step's transfers (e.g. before writing a checkpoint).
    void synchronize();
    bool in_step() const;

    const std::vector<Bucket>& buckets() const;
    const std::vector<Launch>& last_launches() const;
    comm::Communicator& communicator() const;
    int rank() const { return communicator().rank(); }
    int world_size() const { return communicator().size(); }

    struct State;  // shared with the hooks, which outlive this object harmlessly

  private:
    std::shared_ptr<State> state_;
};

// Buckets over `arena`'s slots in reverse registration order (exposed for tests).
std::vector<DataParallel::Bucket> make_buckets(const ParamArena& arena,
                                               const DataParallelOptions& options);

}  // namespace mdq
