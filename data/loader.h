// Loader: batches of a Dataset for one rank, made by worker threads ahead of the consumer.
//
//   data::Loader loader(splits.train, splits.train_transform, opts);
//   for (int64_t e = start; e < epochs; ++e) {
//       loader.start_epoch(e);
//       while (auto batch = loader.next()) step(batch->images, batch->labels);
//   }
//
// A batch is images f32 [N, H, W, C] (NHWC, normalised) and labels i64 [N] on
// options.device. Batch b of epoch e depends only on (seed, e, b): the order comes from the
// DistributedSampler and every example's augmentation from Philox keyed by (seed, e, example
// index), so an epoch is bitwise identical for any num_workers, and set_position(e, b)
// resumes a run exactly where its checkpoint left it.
//
// Workers fill pinned host buffers, at most `prefetch` batches ahead. For a CUDA device,
// next() copies the batch to the GPU on a copy stream (not the caller's) and makes the caller's
// current stream wait for that copy with an Event: the host never waits for the GPU, and the copy
// overlaps the GPU's work on the previous step. For the CPU the batch tensors are views of the
// host buffer (no copy); the buffer is recycled when the tensors die.
//
// An exception thrown while making a batch (e.g. a truncated file) is rethrown by next() when
// that batch is due, and again by every later next() until set_position() or start_epoch().
// Destruction stops and joins the workers at any point of an epoch.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/tensor.h"
#include "data/batch_buffers.h"
#include "data/dataset.h"
#include "data/pipeline.h"
#include "data/sampler.h"

namespace mdq::data {

struct LoaderOptions {
    int64_t batch_size = 128;
    bool shuffle = true;
    bool drop_last = false;  // drop the last batch of an epoch when it is short
    uint64_t seed = 123456;
    int num_workers = 2;  // 0: batches are made inside next(), on the caller's thread
    int prefetch = 4;     // batches made ahead of the consumer
    Device device = Device::cpu();
    int rank = 0;  // this process's shard of each epoch (DistributedSampler)
    int world_size = 1;
};

struct Batch {
    Tensor images;  // f32 [N, H, W, C]
    Tensor labels;  // i64 [N]
    int64_t epoch = 0;
    int64_t index = 0;  // position of the batch in its epoch
};

class Loader {
  public:
    Loader(std::shared_ptr<const Dataset> dataset, Pipeline pipeline, LoaderOptions options);
    ~Loader();
    Loader(const Loader&) = delete;
    Loader& operator=(const Loader&) = delete;

    // The next call to next() returns batch 0 of `epoch`.
    void start_epoch(int64_t epoch) { set_position(epoch, 0); }
    // The next call to next() returns batch `batch` (0..batches_per_epoch()) of `epoch`.
    void set_position(int64_t epoch, int64_t batch);
    // The next batch of the current epoch, or nullopt at its end. Before any start_epoch() or
    // set_position() the loader starts at batch 0 of epoch 0.
    std::optional<Batch> next();

    int64_t batches_per_epoch() const { return batches_per_epoch_; }
    int64_t epoch() const { return epoch_; }
    int64_t position() const { return position_; }  // index of the batch next() returns
    ImageShape example_shape() const { return example_shape_; }
    const LoaderOptions& options() const { return options_; }
    const Pipeline& pipeline() const { return pipeline_; }
    // Images of the dataset that could not be decoded and were replaced.
    int64_t skipped() const { return dataset_->skipped(); }

  private:
    struct Plan;
    struct Made {
        BatchBuffer* buffer = nullptr;
        int64_t count = 0;
        std::exception_ptr error;
    };
    struct Scratch {
        Image image;
        PipelineScratch pipeline;
    };

    Made make_batch(const Plan& plan, int64_t batch, Scratch& scratch) const;
    void worker_loop();
    Batch hand_out(const Made& made);
    void discard_ready_locked();

    std::shared_ptr<const Dataset> dataset_;
    Pipeline pipeline_;
    LoaderOptions options_;
    DistributedSampler sampler_;
    ImageShape example_shape_;
    int64_t batches_per_epoch_ = 0;
    std::shared_ptr<BatchBufferPool> pool_;
    Stream copy_stream_;   // one per GPU, shared by all loaders
    Event caller_ready_;   // the caller's stream has reached the batch's allocation
    Scratch own_scratch_;  // for num_workers == 0

    // Consumer state (the caller's thread only).
    int64_t epoch_ = 0, position_ = 0;
    bool started_ = false;
    std::exception_ptr failed_;

    // Shared with the workers, under mu_.
    std::mutex mu_;
    std::condition_variable work_cv_, ready_cv_;
    std::shared_ptr<const Plan> plan_;
    int64_t next_to_make_ = 0, next_to_take_ = 0;
    std::map<int64_t, Made> ready_;
    bool stop_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace mdq::data
