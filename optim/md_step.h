// Launchers of the fused optimizer step and of the projection-only pass (optim/md_step_math.h).
// The launch description holds device pointers; the control block it points to lives on the
// same device. Nothing here synchronizes with the host.
#pragma once

#include "core/device.h"
#include "optim/md_step_math.h"

namespace mdq {

// One fused step over every chunk of L, then the control block advances to the next
// iteration (on the device: the kernel's last block does it).
void md_step_launch(const MdStepLaunch& L, Device device);
// w = projection of the stored variables with `beta` (no update, the control block unchanged).
void md_project_launch(const MdStepLaunch& L, float beta, Device device);

namespace cuda {
void md_step(const MdStepLaunch& L, Device device);
void md_project(const MdStepLaunch& L, float beta, Device device);
}  // namespace cuda

}  // namespace mdq
