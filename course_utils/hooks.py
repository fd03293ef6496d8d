"""Capture the outputs of named layers with hooks that are always removed."""
from contextlib import contextmanager
from typing import Dict, Iterable, Iterator, Union

import torch
from torch import nn


def get_layer(model: nn.Module, name: str) -> nn.Module:
    """The sub-module called ``name``; unknown names raise with the closest valid ones."""
    modules = dict(model.named_modules())
    if name in modules and name != "":
        return modules[name]
    from .errors import unknown_layer_error

    raise unknown_layer_error(name, [n for n in modules if n])


def count_hooks(model: nn.Module) -> int:
    """How many forward / backward hooks are attached anywhere in ``model``."""
    total = 0
    for module in model.modules():
        total += len(module._forward_hooks) + len(module._forward_pre_hooks)
        total += len(module._backward_hooks)
        total += len(getattr(module, "_backward_pre_hooks", {}))
    return total


@contextmanager
def capture(model: nn.Module, layers: Union[str, Iterable[str]], detach: bool = True
            ) -> Iterator[Dict[str, torch.Tensor]]:
    """Record the outputs of ``layers`` while the block runs.

    >>> with capture(model, ["features.3"]) as acts:
    ...     model(x)
    >>> acts["features.3"].shape

    Hooks are removed on every exit path, errors and interrupts included.
    """
    names = [layers] if isinstance(layers, str) else list(layers)
    modules = {name: get_layer(model, name) for name in names}  # validate before hooking
    activations: Dict[str, torch.Tensor] = {}
    handles = []

    def make_hook(name):
        def hook(_module, _inputs, output):
            activations[name] = output.detach() if detach else output
        return hook

    try:
        for name, module in modules.items():
            handles.append(module.register_forward_hook(make_hook(name)))
        yield activations
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def removing_new_hooks(model: nn.Module) -> Iterator[nn.Module]:
    """Remove every forward hook added to ``model`` inside the block.

    Lucent's ``render_vis`` hooks every layer and never removes those hooks; wrap its
    calls in this so the model does not slow down and collect hooks with each call.
    """
    before = {m: set(m._forward_hooks) for m in model.modules()}
    try:
        yield model
    finally:
        for module in model.modules():
            for key in set(module._forward_hooks) - before.get(module, set()):
                del module._forward_hooks[key]
