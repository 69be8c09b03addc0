#include "layers/residual.h"

#include "core/error.h"
#include "kernels/elementwise/binary.h"
#include "layers/activation_hook.h"

namespace mdq {

Tensor residual_add(const Tensor& branch, const Tensor& shortcut) {
    MDQ_CHECK(branch.defined() && shortcut.defined(), "residual_add: undefined input");
    MDQ_CHECK(branch.shape() == shortcut.shape(), "residual_add: branch ", branch.shape(),
              " and shortcut ", shortcut.shape(),
              " differ in shape (a downsampling shortcut must match the branch)");
    const Tensor sum = add(branch, shortcut);
    ActivationHook* const hook = activation_hook();
    return hook ? hook->on_residual(sum) : sum;
}

}  // namespace mdq
