"""The speed engine, behind one door: ``network``.

``render`` and ``evaluate`` run the network only through ``network(...)``, which
- refuses a batch that will not fit in memory, before allocating anything
  (``memory_budget``: the one memory rule),
- keeps freed memory in the process for reuse across steps (``allocator``),
- runs a cached render copy of the network with exact, faster layers
  (``render_copy``, ``fast_ops``) unless inside ``without_speed_ups()``,
- freezes the model for the duration and restores it exactly afterwards,
- scores the objective once without gradients before the first step, so that a
  mistake only real activations reveal stops before any work,
- reads the layers the objective needs and stops the forward pass after the last one.

Three more public pieces serve the method's modules: ``warp`` (the random warp's
resampling, ``resampling.py``), ``max_batch`` (how many images fit, for galleries) and
``map_in_workers`` (jobs in forked processes). Nothing outside this package imports
its submodules.
"""
from contextlib import contextmanager
from typing import Callable, Dict, Iterable, Iterator, Optional

import torch
import torch.nn.functional as F

from ..course_model import frozen
from ..hooks import IMAGE, LOGITS, capture
from .allocator import keep_freed_memory
from .memory_budget import check_fits, max_batch
from .render_copy import cached_render_copy
from .resampling import warp
from .workers import map_in_workers

__all__ = ["network", "without_speed_ups", "warp", "max_batch", "map_in_workers",
           "keep_freed_memory"]

Activations = Dict[str, torch.Tensor]
_speed_ups = [True]  # switched off inside without_speed_ups()


@contextmanager
def without_speed_ups() -> Iterator[None]:
    """Inside the block, ``render`` and ``evaluate`` run the model itself, layer by layer
    as written, instead of the engine's copy: the same numbers, slower (for comparisons
    and for tests that hook the model's own modules)."""
    before = _speed_ups[0]
    _speed_ups[0] = False
    try:
        yield
    finally:
        _speed_ups[0] = before


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
def network(model, objective, *, input_size: int, batch: int = 1,
            start: Optional[Callable[[], torch.Tensor]] = None
            ) -> Iterator[Callable[[torch.Tensor], Activations]]:
    """Yield ``read(images) -> {layer name: activation}`` for [0, 1] images already at
    ``input_size``; gradients flow through it when they are enabled.

    objective: what the caller scores: the names it reads (``objective.layers``: stage
    names, ``"logits"``; ``"input"`` is the caller's to fill in) are captured, and with
    ``start`` (a function that gives the first images, such as the parameterization) it
    is scored once on them without gradients before ``read`` is handed over.
    """
    layer_names = list(objective.layers)
    wanted, needs_output = _wanted_layers(model, layer_names)
    if torch.is_grad_enabled():
        check_fits(model, layer_names, batch, input_size)
    keep_freed_memory()  # steps reuse freed activations instead of faulting in fresh pages
    speed_ups = _speed_ups[0]
    module = cached_render_copy(model) if speed_ups else model.module
    with frozen(model.module), capture(module, list(wanted), detach=False) as captured:

        def read(images: torch.Tensor) -> Activations:
            if not wanted and not needs_output:  # the objective reads the image alone
                return {}
            x = model.preprocess(images)
            if speed_ups:
                x = x.contiguous(memory_format=torch.channels_last)
            captured.run(x, stop_early=not needs_output)
            acts = {name: captured[real] for real, names in wanted.items() for name in names}
            if needs_output:
                acts[LOGITS] = captured.output
            return acts

        if start is not None:
            with torch.no_grad():
                first = start()
                seen = F.interpolate(first, size=(input_size, input_size), mode="bilinear",
                                     align_corners=False)
                objective({**read(seen), IMAGE: first})
        yield read
