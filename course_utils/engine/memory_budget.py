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
from ..hooks import IMAGE, LOGITS

BYTES_PER_VALUE = 4  # float32 activations
OVERHEAD = 1.5  # saved activations + gradients + temporaries, relative to leaf outputs
USABLE_FRACTION = 0.8  # leave room for everything else in the process


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


def layers_computed(model, layer_names: Iterable[str]) -> List[str]:
    """The surveyed layers the forward pass runs through to reach ``layer_names`` (it
    stops after the last of them; reading the logits runs the whole network)."""
    order = list(model.layers)  # in the order their outputs appear
    names = set(layer_names) - {IMAGE}  # the image itself costs no layer
    if not names:
        return []
    if LOGITS in names:
        return order
    last = max(order.index(model.resolve(n)) for n in names)
    return order[:last + 1]


def _leaves(names: List[str]) -> List[str]:
    """Drop containers whose children are listed too, so no output is counted twice."""
    return [n for n in names if not any(o.startswith(n + ".") for o in names)]


def bytes_per_image(model, layer_names: Iterable[str], input_size: int) -> int:
    """Estimated memory one image costs during a render at ``input_size`` pixels."""
    area = (input_size / model.input_size) ** 2
    values = sum(model.layers[n] * int(np.prod(model.spatial[n]))
                 for n in _leaves(layers_computed(model, layer_names)))
    image = 3 * input_size * input_size * 8  # transformed input and its gradient
    return int(OVERHEAD * BYTES_PER_VALUE * values * area + image)


def max_batch(model, layer_names: Iterable[str], input_size: int,
              available: Optional[int] = None) -> Optional[int]:
    """How many images fit at once (None when free memory is unknown)."""
    available = available if available is not None else available_bytes(model.device)
    if available is None:
        return None
    per_image = bytes_per_image(model, layer_names, input_size)
    return int(available * USABLE_FRACTION // per_image)


def _readable(n: float) -> str:
    for unit, scale in (("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n)} bytes"


def check_fits(model, layer_names: Iterable[str], batch: int, input_size: int) -> None:
    """Raise a ``CourseError`` before anything is allocated if the render would not fit."""
    available = available_bytes(model.device)
    if available is None:
        return
    layer_names = list(layer_names)
    per_image = bytes_per_image(model, layer_names, input_size)
    if per_image * batch <= available * USABLE_FRACTION:
        return
    fit = int(available * USABLE_FRACTION // per_image)
    where = "GPU" if model.device.type == "cuda" else "CPU"
    computed = layers_computed(model, layer_names)
    reach = ("the whole network" if computed == list(model.layers)
             else f"the network up to {computed[-1]!r}" if computed else "the image alone")
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
