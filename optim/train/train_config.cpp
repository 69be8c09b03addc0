#include "optim/train/train_config.h"

namespace mdq {

Config make_train_config() {
    using T = ConfigType;
    using J = nlohmann::json;
    return Config({
        // what to train
        {"model", T::String, "lenet5", "model name (mdq summary lists them)"},
        {"dataset", T::String, "fashion-mnist",
         "fashion-mnist, cifar10, cifar100, tinyimagenet, imagenet"},
        {"data_dir", T::String, "",
         "dataset folder (default: the Debian location for fashion-mnist)"},
        {"affine_bn", T::Bool, false,
         "learnable batch-norm scale/shift (default: the model's, none for the MD CIFAR models)"},
        {"augment", T::Bool, true, "training augmentation of the dataset's recipe"},
        {"train_transforms", T::StringList, J::array(),
         "training augmentation replacing the recipe's, e.g. random_crop:28:2,hflip "
         "(docs/DATA.md)"},
        {"init_from", T::String, "",
         "warm start: an mdq checkpoint or a safetensors PyTorch state_dict (docs/INTEROP.md)"},
        {"init_map", T::Object, J::object(),
         "init_from of a PyTorch state_dict: {\"pytorch.name\": \"mdq.name\"} renames"},
        // quantization
        {"method", T::String, "md-tanh-s",
         "float, md-tanh-s, md-softmax-s, md-tanh, md-softmax, gd-tanh, bc, pmf, picm, proxquant, "
         "dorefa, ewgs, bsq"},
        {"levels", T::Int, 2, "weight levels: 2 binary, 3 ternary, 2^k uniform in [-1, 1]"},
        {"exempt", T::StringList, J::array(),
         "parameter-name patterns kept in float (e.g. conv1.*)"},
        {"layer_levels", T::Object, J::object(),
         "per-parameter-pattern level counts, e.g. {\"fc.*\": 3}"},
        {"act_bits", T::Int, 32,
         "bits of the conv/linear inputs after the first (1..16; 32: float; docs/QUANTIZATION.md)"},
        {"act_quantizer", T::String, "none",
         "activation quantizer: none, dorefa, uniform (PACT clip), ewgs (learned interval)"},
        {"act_calibration", T::String, "mse",
         "start of the uniform/ewgs activation clip u from the first batch: mse (least "
         "quantization error) or authors (3 std / sqrt(1 - 2/pi)); dorefa's clip is fixed"},
        {"grad_bits", T::Int, 32,
         "DoReFa gradient bits on each quantized conv/linear output (1..16; 32: float)"},
        {"layer_act_bits", T::Object, J::object(),
         "per-layer-pattern activation bits, e.g. {\"fc2\": 8, \"layer4.*\": 4}"},
        {"layer_grad_bits", T::Object, J::object(),
         "per-layer-pattern gradient bits, e.g. {\"conv2\": 32}"},
        {"first_last", T::String, "same",
         "first and last conv/linear layer: same (quantized like the rest), keep-float, 8bit"},
        {"quantizer_optimizer", T::String, "adam",
         "optimizer of the quantizers' parameters (EWGS l, u, alpha; clips): adam, adamw, sgd"},
        {"quantizer_lr", T::Float, 1e-5,
         "learning rate of the quantizers' parameters (EWGS: Adam 1e-5)"},
        {"init", T::String, "auto",
         "initialisation of the stored variables: auto, xavier, levels, midpoints, values "
         "(docs/QUANTIZATION.md)"},
        {"md_stable", T::Bool, true,
         "primal MD-tanh/MD-softmax: store the dual coordinate (false: the authors' numerics)"},
        {"beta_scale", T::Float, 1.02,
         "annealing factor rho: beta_t = min(rho^ceil(t/B), beta_max)"},
        {"beta_interval", T::Int, 200, "annealing interval B in iterations"},
        {"beta_max", T::Float, 1e35, "annealing cap"},
        {"bn_reestimate", T::Int, -1,
         "batches to re-estimate BN statistics with hard weights (0: off; -1: the method's "
         "default, 100 for md-softmax, else off)"},
        {"bsq_bits", T::Int, 8, "method=bsq: bit planes per layer at the start"},
        {"bsq_alpha", T::Float, 5e-3, "method=bsq: strength of the bit-level group Lasso"},
        {"bsq_interval", T::Int, 1, "method=bsq: epochs between precision adjustments"},
        {"bsq_finetune", T::Int, 0,
         "method=bsq: last epochs trained with the precision frozen and no group Lasso"},
        {"ewgs_delta", T::String, "0",
         "EWGS gradient scaling delta (method=ewgs, act_quantizer=ewgs): a number >= 0 as a "
         "string (\"0.001\"; 0 is STE) or \"hessian\" (per quantizer, every epoch)"},
        {"ewgs_hessian_batches", T::Int, 10,
         "ewgs_delta=hessian: batches of 16 images per estimate"},
        {"ewgs_hessian_probes", T::Int, 50,
         "ewgs_delta=hessian: most Hutchinson probes per batch (stops earlier once settled)"},
        {"prune", T::String, "none", "channel pruning: none or taylor (docs/PRUNING.md)"},
        {"prune_interval", T::Int, 30, "prune=taylor: iterations per pruning round"},
        {"prune_per_round", T::Int, 100, "prune=taylor: channels removed per round"},
        {"prune_max", T::Int, 0, "prune=taylor: channels removed in all"},
        {"prune_momentum", T::Float, 0.0, "prune=taylor: momentum of the importance across rounds"},
        {"model_widths", T::Object, J::object(),
         "a thinned model: {\"batch norm\": channels kept}, as `mdq export --thin` writes"},
        {"proxquant_reg", T::Float, 1e-4, "ProxQuant regularisation rate"},
        {"proxquant_freeze", T::Float, 0.67,
         "ProxQuant: fraction of training after which signs freeze"},
        // optimisation
        {"optimizer", T::String, "adam", "adam (authors' epsilon), adamw, sgd"},
        {"lr", T::Float, 1e-3, "learning rate"},
        {"momentum", T::Float, 0.9, "SGD momentum"},
        {"nesterov", T::Bool, false, "SGD Nesterov momentum"},
        {"weight_decay", T::Float, 0.0, "weight decay"},
        {"adam_beta1", T::Float, 0.9, "Adam beta1"},
        {"adam_beta2", T::Float, 0.999, "Adam beta2"},
        {"adam_eps", T::Float, 1e-8, "Adam epsilon"},
        {"lr_schedule", T::String, "step", "none, step (authors' semantics), multistep, cosine"},
        {"lr_decay", T::Float, 0.3, "step/multistep factor gamma"},
        {"lr_step", T::Int, 30000, "step schedule interval in iterations"},
        {"lr_milestones", T::IntList, J::array(), "multistep milestones in iterations"},
        {"warmup_iters", T::Int, 0, "linear warm-up iterations"},
        {"lr_scaling", T::String, "none", "data-parallel learning-rate rule: none or linear"},
        // length and batching
        {"batch_size", T::Int, 128, "batch size per process"},
        {"epochs", T::Int, 0, "epochs (0: use iterations, or the authors' 100k-iteration rule)"},
        {"iterations", T::Int, 0, "iterations (0: use epochs)"},
        {"num_workers", T::Int, 2, "data loader threads"},
        {"drop_last", T::Bool, false, "drop the short last training batch of each epoch"},
        // execution
        {"precision", T::String, "fp32", "fp32 or bf16 (GPU: bf16 convolutions, fp32 parameters)"},
        {"device", T::String, "auto", "cpu, cuda, cuda:N or auto"},
        {"seed", T::Int, 123456, "seed of every random stream"},
        {"cuda_graph", T::Bool, false,
         "GPU: capture the training step in a CUDA graph and replay it (needs drop_last; one "
         "process; off until measured on a GPU)"},
        {"comm_backend", T::String, "auto",
         "data-parallel: auto (local for one process, else nccl on GPUs, mpi on CPUs), local, "
         "mpi, nccl (nccl with one process measures the data-parallel overhead)"},
        {"bucket_mb", T::Float, 25.0, "data-parallel: gradient bucket size in MiB"},
        {"sync_bn", T::Bool, false, "data-parallel: synchronised batch norm"},
        {"comm_timeout", T::Float, 300.0,
         "data-parallel: seconds before a silent rank is an error"},
        // evaluation and output
        {"eval_interval", T::Int, 0, "validate every N iterations (0: at each epoch end)"},
        {"eval_batches", T::Int, 0, "batches per validation/test evaluation (0: the whole set)"},
        {"log_interval", T::Int, 50, "print and log training metrics every N iterations"},
        {"checkpoint_interval", T::Int, 0, "checkpoint every N iterations (0: at each epoch end)"},
        {"out_dir", T::String, "",
         "output folder (default runs/MODEL-DATASET-METHOD-LLEVELS, -2, -3... when taken)"},
        {"overwrite", T::Bool, false, "let a new run replace the finished run held in out_dir"},
        {"progress", T::Bool, true, "show the progress bar"},
    });
}

}  // namespace mdq
