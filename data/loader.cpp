#include "data/loader.h"

#include <algorithm>

#include "core/error.h"
#include "core/gpu.h"
#include "data/philox_stream.h"
#include "mdq/config.h"

#if MDQ_WITH_CUDA
#include "data/device_copy.h"
#endif

namespace mdq::data {

namespace {

int64_t checked_size(const std::shared_ptr<const Dataset>& dataset) {
    MDQ_CHECK(dataset != nullptr, "Loader: null dataset");
    return dataset->size();
}

// One copy stream per GPU, shared by every loader: Stream::create's streams live as long as
// the process, and a run builds a loader for each evaluation.
Stream copy_stream_for(Device device) {
    static std::mutex mu;
    static std::map<int, Stream> streams;
    std::lock_guard<std::mutex> lock(mu);
    auto it = streams.find(device.index);
    if (it == streams.end()) it = streams.emplace(device.index, Stream::create(device)).first;
    return it->second;
}

}  // namespace

// The reading order of one epoch; replaced (never changed) by set_position, so a worker that
// finishes a batch of a replaced plan can tell and drop it.
struct Loader::Plan {
    int64_t epoch = 0;
    std::vector<int64_t> indices;
};

Loader::Loader(std::shared_ptr<const Dataset> dataset, Pipeline pipeline, LoaderOptions options)
    : dataset_(std::move(dataset)),
      pipeline_(std::move(pipeline)),
      options_(options),
      sampler_(checked_size(dataset_), options.shuffle, options.seed, options.rank,
               options.world_size) {
    MDQ_CHECK(options_.batch_size > 0, "Loader: batch_size must be positive, got ",
              options_.batch_size);
    MDQ_CHECK(options_.num_workers >= 0, "Loader: num_workers must be >= 0, got ",
              options_.num_workers);
    MDQ_CHECK(options_.prefetch >= 1, "Loader: prefetch must be >= 1, got ", options_.prefetch);
    example_shape_ = pipeline_.output_shape(dataset_->image_shape());
    MDQ_CHECK(example_shape_.fixed(), "Loader: the images of ", dataset_->description(),
              " vary in size and the pipeline ", pipeline_.description(),
              " does not make them equal; end it with a crop");
    const int64_t n = sampler_.num_samples(), bs = options_.batch_size;
    batches_per_epoch_ = options_.drop_last ? n / bs : (n + bs - 1) / bs;
    pool_ = std::make_shared<BatchBufferPool>(bs, example_shape_.numel());
    if (options_.device.is_cuda()) copy_stream_ = copy_stream_for(options_.device);
    for (int w = 0; w < options_.num_workers; ++w)
        workers_.emplace_back([this] { worker_loop(); });
}

Loader::~Loader() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stop_ = true;
        discard_ready_locked();
    }
    work_cv_.notify_all();
    for (std::thread& t : workers_)
        t.join();
}

void Loader::discard_ready_locked() {
    for (auto& [b, made] : ready_)
        if (made.buffer) pool_->release(made.buffer);
    ready_.clear();
}

void Loader::set_position(int64_t epoch, int64_t batch) {
    MDQ_CHECK(epoch >= 0, "Loader::set_position: epoch must be >= 0, got ", epoch);
    MDQ_CHECK(batch >= 0 && batch <= batches_per_epoch_, "Loader::set_position: batch ", batch,
              " outside [0, ", batches_per_epoch_, "]");
    auto plan = std::make_shared<Plan>();
    plan->epoch = epoch;
    plan->indices = sampler_.indices(epoch);
    {
        std::lock_guard<std::mutex> lock(mu_);
        discard_ready_locked();
        plan_ = std::move(plan);
        next_to_make_ = next_to_take_ = batch;
    }
    work_cv_.notify_all();
    epoch_ = epoch;
    position_ = batch;
    started_ = true;
    failed_ = nullptr;
}

Loader::Made Loader::make_batch(const Plan& plan, int64_t batch, Scratch& scratch) const {
    Made made;
    const int64_t first = batch * options_.batch_size;
    made.count = std::min(options_.batch_size, sampler_.num_samples() - first);
    const int64_t floats = example_shape_.numel();
    try {
        // The pinned buffers and their events belong to the loader's GPU; a new thread's current
        // GPU is 0, where every rank of an mpirun job would otherwise open a context.
        if (options_.device.is_cuda()) gpu::set_device(options_.device.index);
        made.buffer = pool_->acquire();
        int64_t* labels = made.buffer->labels();
        float* images = made.buffer->images(pool_->labels_bytes());
        for (int64_t k = 0; k < made.count; ++k) {
            const int64_t index = plan.indices[static_cast<size_t>(first + k)];
            labels[k] = dataset_->read(index, scratch.image);
            PhiloxStream rng = PhiloxStream::for_example(options_.seed, plan.epoch, index);
            pipeline_.run(scratch.image, images + k * floats, example_shape_, rng,
                          scratch.pipeline);
        }
    } catch (...) {
        if (made.buffer) pool_->release(made.buffer);
        made.buffer = nullptr;
        made.error = std::current_exception();
    }
    return made;
}

void Loader::worker_loop() {
    Scratch scratch;
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
        work_cv_.wait(lock, [&] {
            return stop_ || (plan_ && next_to_make_ < batches_per_epoch_ &&
                             next_to_make_ < next_to_take_ + options_.prefetch);
        });
        if (stop_) return;
        const std::shared_ptr<const Plan> plan = plan_;
        const int64_t batch = next_to_make_++;
        lock.unlock();
        Made made = make_batch(*plan, batch, scratch);
        lock.lock();
        if (plan_ != plan || stop_) {
            if (made.buffer) pool_->release(made.buffer);
            continue;
        }
        ready_[batch] = made;
        ready_cv_.notify_all();
    }
}

std::optional<Batch> Loader::next() {
    if (!started_) set_position(0, 0);
    if (failed_) std::rethrow_exception(failed_);
    if (position_ >= batches_per_epoch_) return std::nullopt;
    Made made;
    if (workers_.empty()) {
        made = make_batch(*plan_, position_, own_scratch_);
    } else {
        std::unique_lock<std::mutex> lock(mu_);
        ready_cv_.wait(lock, [&] { return ready_.count(position_) > 0; });
        made = ready_[position_];
        ready_.erase(position_);
        next_to_take_ = position_ + 1;
        lock.unlock();
        work_cv_.notify_all();
    }
    if (made.error) {
        failed_ = made.error;
        std::rethrow_exception(failed_);
    }
    Batch batch = hand_out(made);
    ++position_;
    return batch;
}

Batch Loader::hand_out(const Made& made) {
    Batch batch;
    batch.epoch = epoch_;
    batch.index = position_;
    const ImageShape& s = example_shape_;
    const Shape image_shape{made.count, s.height, s.width, s.channels};
    const int64_t images_offset = static_cast<int64_t>(pool_->labels_bytes() / sizeof(float));
    const size_t used = pool_->labels_bytes() + static_cast<size_t>(made.count * s.numel()) * 4;
    std::shared_ptr<Storage> storage;
    if (options_.device.is_cpu()) {
        // The tensors view the host buffer; it goes back to the pool when they die.
        std::shared_ptr<BatchBufferPool> pool = pool_;
        BatchBuffer* buffer = made.buffer;
        storage = std::make_shared<Storage>(buffer->data, used, Device::cpu(),
                                            [pool, buffer](void*) { pool->release(buffer); });
    } else {
#if MDQ_WITH_CUDA
        // Allocated in the caller's stream order; the copy stream waits for that point, copies,
        // and the caller's stream waits for the copy. Nothing here waits on the host.
        const Stream caller = current_stream(options_.device);
        storage = std::make_shared<Storage>(used, options_.device);
        caller_ready_.record(caller);
        caller_ready_.block(copy_stream_);
        cuda::copy_to_device_async(storage->data(), made.buffer->data, used, copy_stream_);
        made.buffer->copied.record(copy_stream_);
        made.buffer->copied.block(caller);
        pool_->release(made.buffer);  // reused only after `copied` completes
#else
        pool_->release(made.buffer);
        MDQ_THROW(NotCompiledError, "Loader: device ", options_.device.str(),
                  " requested but mdq was built without CUDA");
#endif
    }
    batch.labels = Tensor::view_of(storage, {made.count}, {1}, 0, DType::I64);
    batch.images = Tensor::view_of(storage, image_shape, contiguous_strides(image_shape),
                                   images_offset, DType::F32);
    return batch;
}

}  // namespace mdq::data
