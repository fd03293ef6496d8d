"""Guided backpropagation: swap the gradient of a network's ReLUs, temporarily.

A normal ReLU passes the gradient back wherever its input was positive. The guided
version (Springenberg et al. 2015) also zeroes the *negative* gradients there, at every
ReLU on the way back. The forward pass is unchanged. It was made to draw sharper
saliency maps; Adebayo et al. (2018) found that its maps barely change when the
network's weights are randomized, and Nie et al. (2018) showed that it largely
reconstructs the input image: notebook 03 measures both on the course's model.

>>> with guided_relu(model.module):
...     saliency = input_gradient(model, channel("late", 3), photo)

Inside the block every ``nn.ReLU`` / ``nn.ReLU6`` (and Lucent's ReLU layers) runs an
autograd function with the guided backward; on exit, however the block ends, each
module gets its own ``forward`` back. No hooks are added, so nothing can be left behind.
"""
from contextlib import contextmanager
from typing import Iterator, List, Optional

import torch
from torch import nn

from .. import contract
from ..errors import CourseError

LUCENT_RELU_LAYERS = ("ReluLayer", "RedirectedReluLayer")


class GuidedReLU(torch.autograd.Function):
    """ReLU (clamped at ``upper`` when given) whose backward passes only positive
    gradients, and only where the input was in the ReLU's active range."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, upper: Optional[float] = None) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.upper = upper
        return x.clamp(0, upper) if upper is not None else x.clamp_min(0)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (x,) = ctx.saved_tensors
        active = x > 0
        if ctx.upper is not None:
            active = active & (x < ctx.upper)
        return grad * (active & (grad > 0)).to(grad.dtype), None


def relu_upper_bound(module: nn.Module) -> Optional[float]:
    """6.0 for ReLU6, None for a plain ReLU."""
    return float(module.max_val) if isinstance(module, nn.ReLU6) else None


def relu_modules(model: nn.Module) -> List[nn.Module]:
    """The ReLU-like modules of ``model`` (each once, even when called several times)."""
    found = []
    for module in model.modules():
        if isinstance(module, (nn.ReLU, nn.ReLU6)) or \
                type(module).__name__ in LUCENT_RELU_LAYERS:
            found.append(module)
    return found


def _guided_forward(upper: Optional[float]):
    def forward(x: torch.Tensor) -> torch.Tensor:
        return GuidedReLU.apply(x, upper)
    return forward


@contextmanager
def guided_relu(model: nn.Module) -> Iterator[int]:
    """Inside the block, every ReLU of ``model`` back-propagates guided gradients.

    model: a ``torch.nn.Module`` with ReLU / ReLU6 modules, or a course model (its
    ``module`` is used). Yields the number of modules it changed. The model is restored
    on exit: the same module objects, their own ``forward`` again, no hooks, flags
    untouched.
    """
    if not isinstance(model, nn.Module) and isinstance(getattr(model, "module", None), nn.Module):
        model = model.module  # a course model: its network is meant
    modules = relu_modules(contract.module(model, "model"))
    if not modules:
        raise CourseError("guided_relu found no nn.ReLU / nn.ReLU6 modules in this model. "
                          "Networks that call torch.relu directly cannot be overridden "
                          "this way.")
    saved = []  # (module, the instance's own forward if it had one)
    try:
        for module in modules:
            saved.append((module, module.__dict__.get("forward")))
            module.forward = _guided_forward(relu_upper_bound(module))
        yield len(modules)
    finally:
        for module, own in saved:
            if own is None:
                del module.__dict__["forward"]
            else:
                module.__dict__["forward"] = own
