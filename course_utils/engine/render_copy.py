"""A render-only copy of a network with exact, faster equivalents of slow pieces.

The learner's model is never touched: ``cached_render_copy(model)`` returns (and
caches) a deep copy in which
- BatchNorm layers are folded into the convolution before them (EfficientNet),
- explicit zero or -inf padding is folded into the convolution or max pool that reads
  it (EfficientNet's "SAME" convolutions; InceptionV1's ``F.pad`` calls, rewritten in
  a traced copy of its flat ``forward``),
- slow layers become the faster exact equivalents of ``fast_ops`` (InceptionV1's
  redirected ReLU, local response normalization and concatenation; the input gradient
  of the first, strided RGB convolution),
- weights are stored channels-last, which the CPU convolution kernels prefer.
Layer names are unchanged, so hooks and objectives work the same on the copy.
Each replacement is tested equal to the original to 1e-5 on outputs and gradients.
"""
import copy
from typing import Dict, Iterable, Tuple

import torch
import torch.nn.functional as F
from torch import fx, nn

from .fast_ops import FastRedirectedReLU, PaddedConv2d, ZeroSkippingCat, local_response_norm

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


def _same_padding(conv: nn.Module) -> Tuple[int, int, int, int]:
    pad = getattr(conv, "static_padding", None)
    return tuple(pad.padding) if isinstance(pad, nn.ZeroPad2d) else (0, 0, 0, 0)


def _swap_modules(module: nn.Module) -> None:
    """Replace layers by their fast equivalents, in place, under the same names:
    Lucent's RedirectedReLU and concatenation, EfficientNet's "SAME" convolutions."""
    for parent in list(module.modules()):
        for name, child in list(parent.named_children()):
            kind = type(child).__name__
            if "forward" in child.__dict__:  # patched on purpose (e.g. guided_relu): keep it
                continue
            if kind == "RedirectedReluLayer":
                setattr(parent, name, FastRedirectedReLU())
            elif kind == "CatLayer":
                setattr(parent, name, ZeroSkippingCat())
            elif kind == "Conv2dStaticSamePadding":
                setattr(parent, name, PaddedConv2d(child, _same_padding(child)))


class _LeafTracer(fx.Tracer):
    """Traces a flat network, keeping every module without children as one call, so
    hooks on named layers still fire."""

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return next(m.children(), None) is None or super().is_leaf_module(m, qualname)


def _is_flat(module: nn.Module) -> bool:
    """Every hookable layer is a direct child (Lucent's InceptionV1 is written so)."""
    return all(next(child.children(), None) is None for child in module.children())


def _fold_pad(graph_module: fx.GraphModule, node: fx.Node) -> bool:
    """Fold an explicit ``F.pad`` into the one convolution or max pool that reads it."""
    pad, value = tuple(node.args[1]), node.kwargs.get("value", node.args[3]
                                                      if len(node.args) > 3 else None)
    users = list(node.users)
    if len(pad) != 4 or node.kwargs.get("mode", "constant") != "constant" or len(users) != 1:
        return False
    user, left, right, top, bottom = users[0], *pad
    target = graph_module.get_submodule(user.target) if user.op == "call_module" else None
    if isinstance(target, nn.Conv2d) and value in (None, 0, 0.0) and \
            target.padding_mode == "zeros" and tuple(target.padding) == (0, 0):
        graph_module.add_submodule(user.target, PaddedConv2d(target, pad))
    elif type(target).__name__ == "MaxPool2dLayer" and value == float("-inf") and \
            user.kwargs.get("padding", 0) == 0 and not user.kwargs.get("ceil_mode", False):
        kernel, stride = user.kwargs.get("kernel_size"), user.kwargs.get("stride")
        if left == right and top == bottom and max(left, top) <= min(kernel) // 2:
            user.kwargs = dict(user.kwargs, padding=(top, left))
        elif pad == (0, 1, 0, 1) and tuple(kernel) == (3, 3) and tuple(stride) == (2, 2):
            # one -inf row/column at the end = ceil mode, for a 3×3 window at stride 2
            user.kwargs = dict(user.kwargs, ceil_mode=True)
        else:
            return False
    else:
        return False
    user.replace_input_with(node, node.args[0])
    graph_module.graph.erase_node(node)
    return True


def _rewrite_flat_graph(module: nn.Module) -> nn.Module:
    """A traced copy of a flat network with explicit pads folded into the next layer
    and local response normalization replaced by the fast one. Layer names are kept."""
    graph_module = fx.GraphModule(module, _LeafTracer().trace(module))
    for node in list(graph_module.graph.nodes):
        if node.op != "call_function":
            continue
        if node.target is F.pad:
            _fold_pad(graph_module, node)
        elif node.target is F.local_response_norm:
            node.target = local_response_norm
    graph_module.graph.lint()
    graph_module.recompile()
    return graph_module


def make_render_copy(module: nn.Module, channels_last: bool = True) -> nn.Module:
    """A frozen, eval-mode deep copy with the exact speed-ups above applied."""
    fast = copy.deepcopy(module).eval()
    for p in fast.parameters():
        p.requires_grad_(False)
    fold_all_batchnorms(fast)
    _swap_modules(fast)
    if _is_flat(fast) and type(fast).__name__ == "InceptionV1":
        fast = _rewrite_flat_graph(fast)
    if channels_last:
        fast = fast.to(memory_format=torch.channels_last)
    return fast


_CACHE: Dict[int, Tuple[nn.Module, tuple, nn.Module]] = {}


def _stamp(module: nn.Module) -> tuple:
    """Changes when a weight is edited, a layer replaced or a layer's forward patched."""
    weights = tuple((id(p), p._version) for p in module.parameters())
    layers = tuple((id(m), id(m.__dict__.get("forward"))) for m in module.modules())
    return weights, layers


def cached_render_copy(model) -> nn.Module:
    """The cached render copy of ``model.module``, rebuilt if the module changed."""
    key, stamp = id(model.module), _stamp(model.module)
    cached = _CACHE.get(key)
    if cached is None or cached[0] is not model.module or cached[1] != stamp:
        _CACHE[key] = (model.module, stamp, make_render_copy(model.module))
    return _CACHE[key][2]
