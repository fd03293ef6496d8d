"""Read a network: the outputs of named layers, captured by hooks that are always removed.

``capture`` is the one way the course reads activations (the renderer, ``evaluate``,
the metrics, the explorer and the notebooks all use it):

>>> with capture(model.module, ["features.3"]) as acts:
...     model.module(x)
>>> acts["features.3"].shape

``acts.run(x)`` does the same forward pass but stops it as soon as the last named
layer has been computed: an objective on an early layer never pays for the rest.
"""
from contextlib import contextmanager
from typing import Dict, Iterable, Iterator, Optional, Union

import torch
from torch import nn

from . import contract
from .errors import unknown_layer_error

# Pseudo-layers an objective can read besides the network's own layers:
IMAGE = "input"  # the image itself, before random transforms (Lucid's "input"; penalties read it)
LOGITS = "logits"  # the network's output scores, before the softmax


def get_layer(module: nn.Module, name: str) -> nn.Module:
    """The sub-module called ``name``; unknown names raise with the closest valid ones."""
    modules = dict(module.named_modules())
    if name in modules and name != "":
        return modules[name]
    raise unknown_layer_error(name, [n for n in modules if n])


def count_hooks(module: nn.Module) -> int:
    """How many forward / backward hooks are attached anywhere in ``module``."""
    total = 0
    for sub in module.modules():
        total += len(sub._forward_hooks) + len(sub._forward_pre_hooks)
        total += len(sub._backward_hooks) + len(getattr(sub, "_backward_pre_hooks", {}))
    return total


class _StopForward(Exception):
    """Raised by a hook, inside ``Captured.run`` only, once every named layer is done."""


class Captured(dict):
    """Layer name → output, filled while the network runs inside ``capture``.

    ``output`` holds what the network returned, or None when ``run`` stopped it early.
    """

    def __init__(self, module: nn.Module, names: Iterable[str], detach: bool):
        super().__init__()
        self.module, self.names, self.detach = module, list(dict.fromkeys(names)), detach
        self.output: Optional[torch.Tensor] = None
        self._stopping = False

    def record(self, name: str, output: torch.Tensor) -> None:
        detachable = self.detach and isinstance(output, torch.Tensor)
        self[name] = output.detach() if detachable else output
        if self._stopping and len(self) == len(self.names):
            raise _StopForward

    def run(self, x: torch.Tensor, stop_early: bool = True) -> "Captured":
        """Run the network on ``x`` (already preprocessed) and return the captured outputs,
        stopping right after the last named layer unless ``stop_early`` is False."""
        self.clear()
        self.output, self._stopping = None, stop_early
        try:
            self.output = self.module(x)
        except _StopForward:
            pass
        finally:
            self._stopping = False
        return self


@contextmanager
def capture(module: nn.Module, layers: Union[str, Iterable[str]], detach: bool = True
            ) -> Iterator[Captured]:
    """Record the outputs of ``layers`` (module names) while the block runs.

    module: a ``torch.nn.Module`` (for a course model, ``model.module``).
    layers: one name or a list of names from ``module.named_modules()``
        (a course model's stage names are resolved by ``model.resolve('mid')``).
    detach: outputs are detached unless False (an optimizer needs their gradients).
    Names are checked before any hook is attached, and hooks are removed on every exit
    path, errors and interrupts included.
    """
    module = contract.module(module)
    names = [layers] if isinstance(layers, str) else contract.list_of(layers, "layers",
                                                                       "['conv1']")
    names = [contract.text(n, "each of layers", "'conv1'") for n in names]
    detach = contract.boolean(detach, "detach")
    modules = {name: get_layer(module, name) for name in names}
    captured = Captured(module, names, detach)
    handles = []
    try:
        for name, sub in modules.items():
            handles.append(sub.register_forward_hook(
                lambda _m, _inputs, output, name=name: captured.record(name, output)))
        yield captured
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def removing_new_hooks(module: nn.Module) -> Iterator[nn.Module]:
    """Remove every forward hook added to ``module`` inside the block.

    Lucent's ``render_vis`` hooks every layer and never removes those hooks; wrap its
    calls in this so the model does not slow down and collect hooks with each call.
    """
    before = {m: set(m._forward_hooks) for m in module.modules()}
    try:
        yield module
    finally:
        for sub in module.modules():
            for key in set(sub._forward_hooks) - before.get(sub, set()):
                del sub._forward_hooks[key]


def layer_outputs(module: nn.Module, x: torch.Tensor) -> Dict[str, torch.Tensor]:
    """Every named sub-module's output for one forward pass (4-D image outputs only)."""
    names = [name for name, _ in module.named_modules() if name]
    with torch.no_grad(), capture(module, names) as acts:
        module(x)
    return {name: out for name, out in acts.items()
            if isinstance(out, torch.Tensor) and out.dim() == 4}
