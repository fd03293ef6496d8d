"""Will a render fit in memory? Estimate before allocating, then split or refuse.

A render keeps every activation between the input and the deepest layer the objective
reads, for the backward pass. Their sizes are known from the model's layer survey
(``model.layers`` channels × ``model.spatial`` positions at ``model.input_size``), so
the memory a batch needs is predictable: activations per image × batch, scaled with
the input area. Measured on EfficientNet-Lite0 (CPU, 224 px, mid stage), a render's
peak growth of anonymous memory is about 1.05× the sum of the leaf layers' outputs per
image (about 1.6× counting the library code pages the first backward pulls in);
``OVERHEAD`` = 1.5 keeps the estimate on the safe side.
"""
import os
from typing import Iterable, List, Optional

import numpy as np
import torch

from ..errors import CourseError

BYTES_PER_VALUE = 4  # float32 activations
OVERHEAD = 1.5  # saved activations + gradients + temporaries, relative to leaf outputs
USABLE_FRACTION = 0.8  # leave room for everything else in the process
LOGITS = "logits"


def _read_meminfo_available(path: str = "/proc/meminfo") -> Optional[int]:
    """``MemAvailable`` from ``/proc/meminfo`` in bytes (None when unreadable)."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _read_cgroup_room(root: str = "/sys/fs/cgroup") -> Optional[int]:
    """Bytes left under a container's memory limit (cgroup v2 or v1), None if unlimited."""
    pairs = [("memory.max", "memory.current"),
             ("memory/memory.limit_in_bytes", "memory/memory.usage_in_bytes")]
    for limit_name, usage_name in pairs:
        try:
            with open(os.path.join(root, limit_name)) as f:
                limit = f.read().strip()
            with open(os.path.join(root, usage_name)) as f:
                usage = int(f.read().strip())
        except (OSError, ValueError):
            continue
        if limit == "max" or int(limit) >= 2 ** 60:  # no limit set
            return None
        return max(0, int(limit) - usage)
    return None


def available_bytes(device=None) -> Optional[int]:
    """Free memory on ``device``: ``torch.cuda.mem_get_info`` on a GPU, otherwise the
    smaller of ``MemAvailable`` and the container limit. None when it cannot be told."""
    device = torch.device(device) if device is not None else torch.device("cpu")
    if device.type == "cuda":  # free on the device + what torch's cache holds unused
        cached = torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device)
        return int(torch.cuda.mem_get_info(device)[0] + cached)
    if device.type != "cpu":
        return None
    known = [b for b in (_read_meminfo_available(), _read_cgroup_room()) if b is not None]
    return min(known) if known else None


def layers_computed(model, layer_names: Iterable[str], stop_early: bool = True) -> List[str]:
    """The surveyed layers the forward pass runs through to reach ``layer_names``."""
    order = list(model.layers)  # in the order their outputs appear
    names = set(layer_names)
    if not stop_early or LOGITS in names:
        return order
    last = max(order.index(model.resolve(n)) for n in names)
    return order[:last + 1]


def _leaves(names: List[str]) -> List[str]:
    """Drop containers whose children are listed too, so no output is counted twice."""
    return [n for n in names if not any(o.startswith(n + ".") for o in names)]


def bytes_per_image(model, layer_names: Iterable[str], input_size: int,
                    stop_early: bool = True) -> int:
    """Estimated memory one image costs during a render at ``input_size`` pixels."""
    area = (input_size / model.input_size) ** 2
    values = sum(model.layers[n] * int(np.prod(model.spatial[n]))
                 for n in _leaves(layers_computed(model, layer_names, stop_early)))
    image = 3 * input_size * input_size * 8  # transformed input and its gradient
    return int(OVERHEAD * BYTES_PER_VALUE * values * area + image)


def max_batch(model, layer_names: Iterable[str], input_size: int, stop_early: bool = True,
              available: Optional[int] = None) -> Optional[int]:
    """How many images fit at once (None when free memory is unknown)."""
    available = available if available is not None else available_bytes(model.device)
    if available is None:
        return None
    per_image = bytes_per_image(model, layer_names, input_size, stop_early)
    return int(available * USABLE_FRACTION // per_image)


def _readable(n: float) -> str:
    for unit, scale in (("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n)} bytes"


def check_fits(model, objective, batch: int, input_size: int, stop_early: bool = True) -> None:
    """Raise a ``CourseError`` before anything is allocated if the render would not fit."""
    available = available_bytes(model.device)
    if available is None:
        return
    per_image = bytes_per_image(model, objective.layers, input_size, stop_early)
    if per_image * batch <= available * USABLE_FRACTION:
        return
    fit = int(available * USABLE_FRACTION // per_image)
    where = "GPU" if model.device.type == "cuda" else "CPU"
    computed = layers_computed(model, objective.layers, stop_early)
    reach = ("the whole network" if computed == list(model.layers)
             else f"the network up to {computed[-1]!r}")
    if fit >= 1:
        advice = (f"At most {fit} image{'s' if fit != 1 else ''} of that size fit: render "
                  "fewer at a time (render_channels splits a gallery by itself) or use a "
                  "smaller size= / input_size=.")
    else:
        advice = ("Not even one image of that size fits: use a smaller size= / input_size=, "
                  "an earlier layer, or free memory (close other notebooks).")
    raise CourseError(
        f"A batch of {batch} image{'s' if batch != 1 else ''} at {input_size} px model input "
        f"needs about {_readable(per_image * batch)} to run {reach}, but only {_readable(available)} "
        f"of {where} memory is free. {advice}")


def chunks(items: list, size: Optional[int]) -> List[list]:
    """``items`` in consecutive pieces of at most ``size`` (one piece when ``size`` is None)."""
    if size is None or size >= len(items):
        return [items]
    size = max(1, size)
    return [items[i:i + size] for i in range(0, len(items), size)]


def merge(results: list):
    """One ``Render`` from renders of consecutive slices of a batch."""
    first = results[0]
    steps = min(r.history.shape[0] for r in results)
    shared = set.intersection(*(set(r.snapshots) for r in results))
    return type(first)(
        images=torch.cat([r.images for r in results]),
        history=np.concatenate([r.history[:steps] for r in results], axis=1),
        activation=np.concatenate([r.activation for r in results]),
        snapshots={k: torch.cat([r.snapshots[k] for r in results]) for k in sorted(shared)},
        seconds=sum(r.seconds for r in results),
        steps=steps,
        interrupted=any(r.interrupted for r in results),
    )


def gallery_pieces(model, layer: str, channels: list, render_kwargs: dict) -> List[list]:
    """Split the channels of a ``render_channels`` call into batches that fit in memory."""
    import inspect

    from .render import render

    if "param" in render_kwargs:  # the caller's parameterization fixes the batch
        return [channels]
    defaults = {k: p.default for k, p in inspect.signature(render).parameters.items()}
    options = {**defaults, **render_kwargs}
    input_size = options["input_size"] or max(options["size"], model.input_size)
    fit = max_batch(model, [layer], input_size, options["stop_early"])
    if fit is None or fit < 1:  # unknown, or hopeless: render() decides and explains
        return [channels]
    pieces = chunks(channels, fit)
    if len(pieces) > 1:
        print(f"{len(channels)} images at {input_size} px do not fit in memory at once: "
              f"rendering them {fit} at a time.")
    return pieces


def render_pieces(render_one, pieces: List[list]):
    """Render each piece in turn (stopping after an interrupted one) and merge them."""
    results = []
    for piece in pieces:
        results.append(render_one(piece))
        if results[-1].interrupted:
            break
    return merge(results)
