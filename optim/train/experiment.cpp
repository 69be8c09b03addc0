#include "optim/train/experiment.h"

#include <cstdio>
#include <random>
#include <vector>

#include "core/generator.h"
#include "core/gpu.h"
#include "data/transform_spec.h"
#include "kernels/fill/fill.h"
#include "layers/batch_norm.h"
#include "optim/train/act_quant_setup.h"
#include "optim/train/bsq_training.h"
#include "optim/train/hard_eval.h"
#include "optim/train/lr_scaling.h"
#include "optim/train/weight_import.h"

namespace mdq {

namespace {
data::LoaderOptions loader_options(const Config& cfg, Device dev, bool shuffle,
                                   const comm::WorldInfo& shard = {}) {
    data::LoaderOptions o;
    o.rank = shard.rank;
    o.world_size = shard.size;
    o.batch_size = cfg.get_int("batch_size");
    o.shuffle = shuffle;
    o.seed = static_cast<uint64_t>(cfg.get_int("seed"));
    o.num_workers = static_cast<int>(cfg.get_int("num_workers"));
    o.device = dev;
    return o;
}

// A captured step replays one batch shape: a short last batch would not fit it. It also keeps
// the EWGS delta it was captured with.
void check_graph_config(const Config& cfg) {
    MDQ_CHECK(!cfg.get_bool("cuda_graph") || cfg.get_bool("drop_last"),
              "cuda_graph=true needs drop_last=true: the short last batch of an epoch would not "
              "fit the captured step");
    MDQ_CHECK(!cfg.get_bool("cuda_graph") || !ewgs_delta_from_hessian(cfg),
              "cuda_graph=true does not go with ewgs_delta=hessian: the captured step would keep "
              "the delta of its capture; use a fixed ewgs_delta or cuda_graph=false");
}

// The weights' group of the run: EWGS's selection (weights only) when method=ewgs, the
// first/last rules, the quantizers' own parameters left to their group.
QuantConfig weights_config(const Config& cfg, Module& model) {
    QuantConfig q = quant_config_from(cfg);
    add_ewgs_rules(cfg, q);
    return weight_group(q, model, parse_first_last(cfg.get_string("first_last")));
}

data::Batch synthetic_batch(const ModelOptions& mo, int64_t batch, uint64_t seed, Device dev) {
    MDQ_CHECK(batch > 0, "synthetic data: batch_size must be positive, got ", batch);
    Generator g(seed, 0x5eed);  // a stream of its own: the model's initialisation is unchanged
    data::Batch b;
    b.images =
        normal({batch, mo.input_h, mo.input_w, mo.in_channels}, 0.0, 1.0, DType::F32, dev, &g);
    std::mt19937_64 pick(seed);
    std::vector<int64_t> labels(static_cast<size_t>(batch));
    for (int64_t& y : labels)
        y = static_cast<int64_t>(pick() % static_cast<uint64_t>(mo.num_classes));
    b.labels = Tensor::from_vector(labels, {batch}, dev);
    return b;
}

// The `train_transforms` key replaces the dataset recipe's augmentation.
void apply_train_transforms(const Config& cfg, data::DatasetSplits& splits) {
    const std::vector<std::string> specs = cfg.get_string_list("train_transforms");
    if (specs.empty()) return;
    MDQ_CHECK(cfg.get_bool("augment"),
              "train_transforms is set but augment=false; drop one of the two");
    try {
        data::set_train_transforms(splits, data::parse_transforms(specs));
    } catch (const Error& e) {
        MDQ_THROW(ValueError, "train_transforms: ", e.what());
    }
}

// The first training batch, as the EWGS authors calibrate; the loader is rewound.
Tensor calibration_batch(data::Loader& loader) {
    std::optional<data::Batch> b = loader.next();
    loader.start_epoch(0);
    return b ? b->images : Tensor();
}

Device device_of(const Config& cfg, const comm::WorldInfo& world) {
    const std::string precision = cfg.get_string("precision");
    MDQ_CHECK(precision == "fp32" || precision == "bf16", "precision must be fp32 or bf16, got '",
              precision, "'");
    manual_seed(static_cast<uint64_t>(cfg.get_int("seed")));
    return comm::device_for_rank(Device::parse(cfg.get_string("device")), world,
                                 gpu::device_count());
}
}  // namespace

Experiment::Experiment(const Config& c)
    : cfg(c), world(comm::detect_world()), device(device_of(c, world)) {
    check_graph_config(cfg);
    splits = std::make_unique<data::DatasetSplits>(
        data::make_dataset_splits(cfg.get_string("dataset"), cfg.get_string("data_dir")));
    apply_train_transforms(cfg, *splits);
    const data::Pipeline& train_tf =
        cfg.get_bool("augment") ? splits->train_transform : splits->test_transform;
    data::LoaderOptions train_options = loader_options(cfg, device, true, world);
    train_options.drop_last = cfg.get_bool("drop_last");
    train_loader = std::make_unique<data::Loader>(splits->train, train_tf, train_options);
    val_loader = std::make_unique<data::Loader>(splits->val, splits->val_transform,
                                                loader_options(cfg, device, false));
    test_loader = std::make_unique<data::Loader>(splits->test, splits->test_transform,
                                                 loader_options(cfg, device, false));
    if (bn_reestimate_batches(cfg) > 0)
        bn_loader = std::make_unique<data::Loader>(splits->train, splits->test_transform,
                                                   loader_options(cfg, device, true));
    if (ewgs_delta_from_hessian(cfg)) {
        ewgs_hessian_options_from(cfg);  // bad values fail now, not after the first epoch
        data::LoaderOptions o = loader_options(cfg, device, true);
        o.batch_size = kEwgsHessianBatch;
        hessian_loader = std::make_unique<data::Loader>(splits->train, train_tf, o);
    }
    const data::ImageShape in = train_loader->example_shape();
    MDQ_CHECK(in == test_loader->example_shape(), "training images are ", in.str(), " after ",
              train_loader->pipeline().description(), " but test images are ",
              test_loader->example_shape().str(),
              "; train_transforms must keep the size the model is evaluated at");
    model_options.num_classes = splits->train->num_classes();
    model_options.input_h = in.height;
    model_options.input_w = in.width;
    model_options.in_channels = in.channels;
    build_model_and_optimizer(train_loader->batches_per_epoch(), splits->train->size(), true);
}

Experiment::Experiment(const Config& c, const ModelOptions& mo)
    : cfg(c), device(device_of(c, world)), model_options(mo) {
    build_model_and_optimizer(1, 1, false);
}

Experiment::Experiment(const Config& c, Synthetic)
    : cfg(c), world(comm::detect_world()), device(device_of(c, world)) {
    model_options = resolve_options(cfg.get_string("model"), ModelOptions{});
    const int64_t batch = cfg.get_int("batch_size");
    synthetic =
        synthetic_batch(model_options, batch, static_cast<uint64_t>(cfg.get_int("seed")), device);
    build_model_and_optimizer(1, batch, true);
}

void Experiment::build_model(bool train, const std::function<Tensor()>& calibration) {
    if (cfg.has("affine_bn")) {
        model_options.affine_bn = cfg.get_bool("affine_bn");
    } else {
        // Records the model's own default (affine for the ImageNet models), so that the
        // checkpoints' and exports' configuration rebuilds the model that was trained.
        const bool affine = *resolve_options(cfg.get_string("model"), model_options).affine_bn;
        cfg.set(std::string("affine_bn=") + (affine ? "true" : "false"));
    }
    model_options.seed = static_cast<uint64_t>(cfg.get_int("seed"));
    for (const auto& [bn, w] : cfg.get_json("model_widths").items()) {
        MDQ_CHECK(w.is_number_integer(), "model_widths: '", bn, "' must map to a channel count");
        model_options.widths[bn] = w.get<int64_t>();
    }
    model = mdq::build_model(cfg.get_string("model"), model_options);
    model->to(device);
    if (train && !cfg.get_string("init_from").empty()) {
        std::map<std::string, std::string> name_map;
        for (const auto& [from, to] : cfg.get_json("init_map").items()) {
            MDQ_CHECK(to.is_string(), "init_map: '", from, "' must map to a name (a string)");
            name_map[from] = to.get<std::string>();
        }
        import_weights(cfg.get_string("init_from"), *model, name_map);
    }
    // After the warm start: a float checkpoint has no quantizer ends or weight quantizers.
    const IoQuantSettings io = io_quant_settings_from(cfg);
    MDQ_CHECK(!io.any() || (!is_bsq(cfg) && !is_taylor_pruning(cfg)),
              "act_bits / grad_bits: not with method=bsq or prune=taylor yet");
    place_io_quantizers(*model, cfg.get_string("model"), io);
    attach_ewgs_quantizers(*model, weights_config(cfg, *model), cfg);
    if (!train || quantizer_parameters(*model) == 0) return;
    const Tensor x = calibration();
    if (x.defined()) calibrate_act_quantizers(*model, x);
}

void Experiment::build_model_and_optimizer(int64_t batches_per_epoch, int64_t train_examples,
                                           bool train) {
    build_model(train, [this] {
        return train_loader ? calibration_batch(*train_loader) : synthetic.images;
    });
    arena = std::make_unique<ParamArena>(*model);
    if (cfg.get_string("precision") == "bf16") {
        if (device.is_cuda()) {
            arena->enable_compute_copy(DType::BF16);
            model->set_compute_dtype(DType::BF16);
        } else {
            std::printf("note: precision bf16 runs in fp32 on the CPU\n");
        }
    }
    int world_size = 1;
    if (train && (world.distributed() || cfg.get_string("comm_backend") != "auto")) {
        comm = comm::make_communicator(cfg.get_string("comm_backend"), device, world,
                                       {cfg.get_float("comm_timeout")});
        DataParallelOptions o;
        o.bucket_bytes = static_cast<int64_t>(cfg.get_float("bucket_mb") * (1 << 20));
        dp = std::make_unique<DataParallel>(*arena, comm, o);
        dp->broadcast_initial_state(*model);  // before the optimizer initialises from the weights
        if (cfg.get_bool("sync_bn")) enable_sync_batch_norm(*model, comm);
        world_size = comm->size();
    }
    run = run_length(cfg, batches_per_epoch, train_examples);
    const OptimConfig weights_optim = optim_config_from(cfg, run, batches_per_epoch, world_size);
    const QuantConfig weights = weights_config(cfg, *model);
    opt = std::make_unique<QuantOptimizer>(*arena, weights, weights_optim);
    if (quantizer_parameters(*model) > 0)
        qopt = std::make_unique<QuantOptimizer>(*arena, quantizer_group(weights),
                                                quantizer_optim_config(cfg, weights_optim));
    if (train && is_bsq(cfg)) bsq = std::make_unique<BsqOptimizer>(*arena, bsq_options_from(cfg));
    if (train && is_taylor_pruning(cfg)) {
        // BSQ rewrites the weights from its planes; the gates' gradients are not all-reduced.
        MDQ_CHECK(!bsq && !dp, "prune=taylor: not with method=bsq or data-parallel training yet");
        prune = std::make_unique<TaylorTraining>(*model, *opt, taylor_options_from(cfg));
    }
}

EvalResult Experiment::evaluate_soft(data::Loader& loader, int64_t epoch) {
    return evaluate(*model, loader, epoch, cfg.get_int("eval_batches"));
}

EvalResult Experiment::evaluate_hard(data::Loader& loader, int64_t epoch) {
    HardWeights hard(*opt);
    if (!bn_loader) return evaluate(*model, loader, epoch, cfg.get_int("eval_batches"));
    std::map<std::string, Tensor> saved;
    for (auto& [name, t] : model->named_buffers())
        saved[name] = t->clone();
    bn_loader->start_epoch(epoch);
    recalibrate_batch_norm(
        *model,
        [&](Tensor& x) {
            auto b = bn_loader->next();
            if (b) x = b->images;
            return b.has_value();
        },
        bn_reestimate_batches(cfg));
    const EvalResult r = evaluate(*model, loader, epoch, cfg.get_int("eval_batches"));
    for (auto& [name, t] : model->named_buffers())
        t->copy_(saved.at(name));
    return r;
}

nlohmann::json Experiment::model_options_json() const {
    return {{"num_classes", model_options.num_classes},
            {"input_h", model_options.input_h},
            {"input_w", model_options.input_w},
            {"in_channels", model_options.in_channels}};
}

ModelOptions Experiment::model_options_from_json(const nlohmann::json& j) {
    ModelOptions mo;
    try {
        mo.num_classes = j.at("num_classes").get<int64_t>();
        mo.input_h = j.at("input_h").get<int64_t>();
        mo.input_w = j.at("input_w").get<int64_t>();
        mo.in_channels = j.at("in_channels").get<int64_t>();
    } catch (const nlohmann::json::exception& e) {
        MDQ_THROW(IoError, "the model options ", j.dump(), " are not {num_classes, input_h, ",
                  "input_w, in_channels} integers: ", e.what());
    }
    return mo;
}

}  // namespace mdq
