"""A render-only copy of a network with exact, faster equivalents of slow pieces.

The learner's model is never touched: ``render_copy(model)`` returns (and caches) a
deep copy in which
- BatchNorm layers are folded into the convolution before them (EfficientNet),
- Lucent InceptionV1's RedirectedReLU backward avoids boolean-mask indexing, and its
  local response normalization sums channels with a 1×1 convolution, not 3-D pooling,
- weights are stored channels-last, which the CPU convolution kernels prefer.
Layer names are unchanged, so hooks and objectives work the same on the copy.
Each replacement is tested equal to the original to 1e-5 on outputs and gradients.
"""
import copy
import types
from typing import Dict, Iterable, Tuple

import torch
import torch.nn.functional as F
from torch import nn

# (conv, batchnorm) attribute pairs, folded wherever a module has both.
FOLD_PAIRS: Tuple[Tuple[str, str], ...] = (
    ("_conv_stem", "_bn0"), ("_conv_head", "_bn1"), ("_expand_conv", "_bn0"),
    ("_depthwise_conv", "_bn1"), ("_project_conv", "_bn2"),
)


@torch.no_grad()
def fold_batchnorm(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> None:
    """Make ``conv`` compute ``bn(conv(x))`` (eval-mode statistics) by itself."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    conv.weight.mul_(scale.view(-1, 1, 1, 1))
    bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
    new_bias = (bias - bn.running_mean) * scale + bn.bias
    conv.bias = nn.Parameter(new_bias, requires_grad=False)


def fold_all_batchnorms(module: nn.Module, pairs: Iterable[Tuple[str, str]] = FOLD_PAIRS
                        ) -> int:
    """Fold every (conv, bn) pair found in ``module``; the BN becomes ``Identity``."""
    folded = 0
    for parent in module.modules():
        for conv_name, bn_name in pairs:
            conv, bn = getattr(parent, conv_name, None), getattr(parent, bn_name, None)
            if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
                fold_batchnorm(conv, bn)
                setattr(parent, bn_name, nn.Identity())
                folded += 1
    return folded


class _LeakyGradReLU(torch.autograd.Function):
    """ReLU whose backward passes 10 % of the gradient where the input was negative
    (Lucent's RedirectedReLU), without boolean-mask indexing."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return torch.where(x < 0, grad * 0.1, grad)


class FastRedirectedReLU(nn.Module):
    def forward(self, x):
        return _LeakyGradReLU.apply(x)


def fast_local_response_norm(x, size, alpha=1e-4, beta=0.75, k=1.0):
    """``F.local_response_norm`` for (N, C, H, W): the sum over a window of channels is a
    1×1 convolution with a banded 0/1 matrix (fast matrix code instead of 3-D pooling)."""
    c = x.shape[1]
    idx = torch.arange(c, device=x.device)
    offset = idx[None, :] - idx[:, None]  # input channel minus output channel
    band = ((offset >= -(size // 2)) & (offset <= (size - 1) // 2)).to(x.dtype)
    window = F.conv2d(x * x, band[:, :, None, None])
    return x / (k + alpha / size * window).pow(beta)


class _FastFunctional:
    """``torch.nn.functional`` with ``local_response_norm`` replaced by the fast one."""

    local_response_norm = staticmethod(fast_local_response_norm)

    def __getattr__(self, name):
        return getattr(F, name)


def _swap_inception_layers(module: nn.Module) -> int:
    """Fast equivalents inside Lucent's InceptionV1: RedirectedReLU modules are replaced,
    and the copy's ``forward`` resolves ``F.local_response_norm`` to the fast one."""
    swapped = 0
    for parent in module.modules():
        for name, child in list(parent.named_children()):
            if type(child).__name__ == "RedirectedReluLayer":
                setattr(parent, name, FastRedirectedReLU())
                swapped += 1
    forward = type(module).forward
    if type(module).__name__ == "InceptionV1" and "F" in forward.__globals__:
        scope = dict(forward.__globals__, F=_FastFunctional())
        fast_forward = types.FunctionType(forward.__code__, scope, forward.__name__,
                                          forward.__defaults__, forward.__closure__)
        module.forward = types.MethodType(fast_forward, module)
        swapped += 1
    return swapped


def make_render_copy(module: nn.Module, channels_last: bool = True) -> nn.Module:
    """A frozen, eval-mode deep copy with the exact speed-ups above applied."""
    fast = copy.deepcopy(module).eval()
    for p in fast.parameters():
        p.requires_grad_(False)
    fold_all_batchnorms(fast)
    _swap_inception_layers(fast)
    if channels_last:
        fast = fast.to(memory_format=torch.channels_last)
    return fast


_CACHE: Dict[int, Tuple[nn.Module, tuple, nn.Module]] = {}


def _stamp(module: nn.Module) -> tuple:
    """Changes when a weight is edited, a layer replaced or a layer's forward patched."""
    weights = tuple((id(p), p._version) for p in module.parameters())
    layers = tuple((id(m), id(m.__dict__.get("forward"))) for m in module.modules())
    return weights, layers


def render_copy(model) -> nn.Module:
    """The cached render copy of ``model.module``, rebuilt if the module changed."""
    key, stamp = id(model.module), _stamp(model.module)
    cached = _CACHE.get(key)
    if cached is None or cached[0] is not model.module or cached[1] != stamp:
        _CACHE[key] = (model.module, stamp, make_render_copy(model.module))
    return _CACHE[key][2]
