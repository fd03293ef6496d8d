"""The speed engine, behind one door: ``network``.

``render`` and ``evaluate`` run the network only through ``network(...)``, which
- refuses a batch that will not fit in memory, before allocating anything
  (``memory_budget``),
- keeps freed memory in the process for reuse across steps (``allocator``),
- runs a cached render copy of the network with exact, faster layers
  (``render_copy``, ``fast_ops``) unless ``speed_ups=False``,
- freezes the model for the duration and restores it exactly afterwards,
- reads the layers the objective needs and stops the forward pass after the last one.

Four more public pieces serve the learner's modules: ``grid_sample`` (the random
warp's resampling, ``warp``), ``max_batch`` (how many images fit, for galleries),
``available_bytes`` (free memory, for the parameterizations' own check) and
``map_in_workers`` (jobs in forked processes). Nothing outside this package imports
its submodules.
"""
from contextlib import contextmanager
from typing import Callable, Dict, Iterable, Iterator

import torch

from ..course_model import frozen
from ..hooks import IMAGE, LOGITS, capture
from .allocator import keep_freed_memory
from .memory_budget import available_bytes, check_fits, max_batch
from .render_copy import cached_render_copy
from .warp import grid_sample
from .workers import map_in_workers

__all__ = ["network", "grid_sample", "max_batch", "available_bytes", "map_in_workers",
           "keep_freed_memory"]

Activations = Dict[str, torch.Tensor]


def _wanted_layers(model, names: Iterable[str]):
    """Module names to hook → the names the objective uses for them; and whether the
    network's own output (the logits of most models) is needed."""
    wanted: Dict[str, list] = {}
    needs_output = False
    for name in names:
        if name == IMAGE:
            continue
        if name == LOGITS and model.logits_layer is None:
            needs_output = True
            continue
        real = model.logits_layer if name == LOGITS else model.resolve(name)
        wanted.setdefault(real, []).append(name)
    return wanted, needs_output


@contextmanager
def network(model, layer_names: Iterable[str], *, input_size: int, batch: int = 1,
            speed_ups: bool = True) -> Iterator[Callable[[torch.Tensor], Activations]]:
    """Yield ``read(images) -> {layer name: activation}`` for [0, 1] images already at
    ``input_size``; gradients flow through it when they are enabled.

    ``layer_names`` are the names an objective reads (stage names, ``"logits"``;
    ``"input"`` is the caller's to fill in). With ``speed_ups=False`` the model itself
    runs, layer by layer as written: same numbers, slower.
    """
    layer_names = list(layer_names)
    wanted, needs_output = _wanted_layers(model, layer_names)
    if torch.is_grad_enabled():
        check_fits(model, layer_names, batch, input_size)
    keep_freed_memory()  # steps reuse freed activations instead of faulting in fresh pages
    module = cached_render_copy(model) if speed_ups else model.module
    if not wanted and not needs_output:  # the objective reads the image alone
        yield lambda images: {}
        return
    with frozen(model.module), capture(module, list(wanted), detach=False) as captured:

        def read(images: torch.Tensor) -> Activations:
            x = model.preprocess(images)
            if speed_ups:
                x = x.contiguous(memory_format=torch.channels_last)
            captured.run(x, stop_early=not needs_output)
            acts = {name: captured[real] for real, names in wanted.items() for name in names}
            if needs_output:
                acts[LOGITS] = captured.output
            return acts

        yield read
