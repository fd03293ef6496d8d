"""Argument checks for the public entry points, in a learner's words.

Each check returns the value in its clean form (an ``int``, a ``float``, a list) or
raises a ``CourseError`` that names the argument, the value given, what is valid and,
where there is one, the fix. Entry points call them before any work or allocation.
"""
import math
import numbers
import os
from typing import Iterable, List, Optional

import numpy as np
import torch
from torch import nn

from .errors import CourseError

MAX_SIDE = 4096  # pixels: no picture of the course comes near it; beyond, memory runs out
MAX_STEPS = 100_000  # a render of 512 steps is plenty; 100 000 would run for hours
PSEUDO_LAYERS = ("logits", "labels", "input")


def shown(value) -> str:
    """``repr(value)`` on one line, cut to 60 characters (for messages)."""
    text = " ".join(repr(value).split())
    return text if len(text) <= 60 else text[:57] + "..."


_shown = shown


def whole_number(value, name: str, minimum: Optional[int] = None,
                 maximum: Optional[int] = None, fix: str = "") -> int:
    """``value`` as an int within [minimum, maximum] (numpy and 0-d tensor ints are fine)."""
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_floating_point():
        value = value.item()
    valid = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if valid:
        value = int(value)
        valid = (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    if not valid:
        if minimum is not None and maximum is not None:
            span = f"from {minimum} to {maximum}"
        elif minimum is not None:
            span = f"of at least {minimum}"
        else:
            span = f"of at most {maximum}" if maximum is not None else ""
        raise CourseError(f"{name} must be a whole number {span}, got {_shown(value)}."
                          + (f" {fix}" if fix else ""))
    return value


def real_number(value, name: str, minimum: Optional[float] = None,
                maximum: Optional[float] = None, above: Optional[float] = None,
                fix: str = "") -> float:
    """``value`` as a finite float, ``>= minimum``, ``<= maximum`` and ``> above``."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    valid = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if valid:
        try:
            value = float(value)
        except OverflowError:  # an int too large for a float
            value, valid = float("inf"), False
        valid = valid and (math.isfinite(value) and (minimum is None or value >= minimum)
                 and (maximum is None or value <= maximum) and (above is None or value > above))
    if not valid:
        limits = [f"at least {minimum}" if minimum is not None else "",
                  f"at most {maximum}" if maximum is not None else "",
                  f"greater than {above}" if above is not None else ""]
        span = " and ".join(part for part in limits if part)
        raise CourseError(f"{name} must be a finite number{' ' + span if span else ''}, "
                          f"got {_shown(value)}." + (f" {fix}" if fix else ""))
    return value


def boolean(value, name: str) -> bool:
    """``value`` as a bool (True / False, numpy's too)."""
    if not isinstance(value, (bool, np.bool_)):
        raise CourseError(f"{name} must be True or False, got {_shown(value)}.")
    return bool(value)


def optional_whole(value, name: str, minimum: Optional[int] = None,
                   maximum: Optional[int] = None, fix: str = "") -> Optional[int]:
    """None, or ``value`` as a whole number within [minimum, maximum]."""
    return None if value is None else whole_number(value, name, minimum, maximum, fix)


def side(value, name: str = "size", minimum: int = 8) -> int:
    """An image side in pixels: a whole number from ``minimum`` to ``MAX_SIDE``."""
    return whole_number(value, name, minimum, MAX_SIDE,
                        fix="Sizes such as 64, 128 or 224 pixels are typical.")


def step_count(value, name: str = "steps") -> int:
    """A number of optimization steps: 1 to ``MAX_STEPS``."""
    return whole_number(value, name, 1, MAX_STEPS,
                        fix="A few hundred steps (e.g. 256) are typical.")


def text(value, name: str, example: str) -> str:
    """``value`` as a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise CourseError(f"{name} must be a non-empty string such as {example}, "
                          f"got {_shown(value)}.")
    return value


def layer_name(value, name: str = "layer", pseudo: Iterable[str] = ()) -> str:
    """A layer or stage name (a string); of the pseudo-layers only those in ``pseudo``.

    Lucent's ``"logits"`` / ``"labels"`` in place of a layer get the spelling to use."""
    value = text(value, name, "'mid' or a name from model.layers")
    if value.strip() in ("logits", "labels") and value.strip() not in pseudo:
        raise CourseError(f"{name}={value!r} is the network's output, not a layer with "
                          "channels and positions: for a class score use logit(N) or the "
                          "string 'logits:N'.")
    if value.strip() == "input" and "input" not in pseudo:
        raise CourseError(f"{name}='input' is the image itself, not a layer of the network: "
                          "for penalties on the image use l2() or total_variation().")
    return value


def callable_value(value, name: str, example: str):
    """``value`` if it can be called."""
    if not callable(value):
        raise CourseError(f"{name} must be a function such as {example}, got {_shown(value)}.")
    return value


def course_model(model, name: str = "model"):
    """A ``CourseModel`` (anything with ``module``, ``resolve`` and ``labels``)."""
    if all(hasattr(model, a) for a in ("module", "resolve", "labels", "input_size_for")):
        return model
    hint = (" This is a bare nn.Module: describe it with wrap_module(module) first."
            if isinstance(model, nn.Module) else "")
    raise CourseError(f"{name} must be a course model from load_model() or wrap_module(), "
                      f"got {_shown(model)}.{hint}")


def module(value, name: str = "module") -> nn.Module:
    """A ``torch.nn.Module``; a ``CourseModel`` gets the hint to pass ``model.module``."""
    if isinstance(value, nn.Module):
        return value
    hint = (f" This is a course model: pass {name}=model.module."
            if isinstance(getattr(value, "module", None), nn.Module) else "")
    raise CourseError(f"{name} must be a torch.nn.Module, got {_shown(value)}.{hint}")


def real_list(values, name: str, example: str, above: Optional[float] = None) -> List[float]:
    """A non-empty list of finite numbers (each ``> above`` when given)."""
    values = non_empty_list(values, name, example)
    return [real_number(v, f"each of {name}", above=above, fix=f"For example {example}.")
            for v in values]


def tensor_of(values, name: str, example: str) -> torch.Tensor:
    """A non-empty float tensor of finite numbers (tensors, arrays and nested lists)."""
    try:
        x = values if isinstance(values, torch.Tensor) else torch.as_tensor(np.asarray(values))
    except (TypeError, ValueError, RuntimeError):
        x = None
    if x is None or not (x.is_floating_point() or x.dtype in (torch.int32, torch.int64,
                                                                torch.int16, torch.int8,
                                                                torch.uint8)):
        raise CourseError(f"{name} must be numbers (a tensor or an array) such as {example}, "
                          f"got {_shown(values)}.")
    if x.numel() == 0:
        raise CourseError(f"{name} is empty: it needs numbers, e.g. {example}.")
    x = x.detach().float().cpu()
    if not torch.isfinite(x).all():
        raise CourseError(f"{name} contains NaN or infinite values.")
    return x


def image_batch(images, name: str = "images") -> torch.Tensor:
    """Images as a non-empty float (N, C, H, W) tensor of finite values; a single
    (C, H, W) image becomes a batch of one. Tensors and arrays are accepted."""
    x = tensor_of(images, name, "a (N, 3, H, W) tensor")
    if x.dim() == 3:
        x = x[None]
    if x.dim() != 4 or min(x.shape) == 0:
        raise CourseError(f"{name} must be images of shape (N, C, H, W) or (C, H, W), got "
                          f"shape {tuple(x.shape)}.")
    return x


def memory_fits(needed: int, available: Optional[int], what: str, fix: str) -> None:
    """Refuse, before allocating, ``needed`` bytes that ``available`` bytes cannot hold."""
    if available is None or needed <= 0.8 * available:
        return
    raise CourseError(f"{what} needs about {needed / 2 ** 30:.1f} GiB, but only "
                      f"{available / 2 ** 30:.1f} GiB of memory is free here. {fix}")


def cpu_workers(value, name: str = "workers") -> int:
    """A number of worker processes: 1 to the number of CPU cores of this machine (2 are
    always allowed, so a script written for two cores runs on one)."""
    cores = os.cpu_count() or 1
    return whole_number(value, name, 1, max(2, cores),
                        fix=f"This machine has {cores} CPU core{'s' * (cores != 1)}; use "
                            f"workers={min(2, cores)} or 1.")


def optional_seed(seed, name: str = "seed") -> Optional[int]:
    """None (a fresh random result) or a whole number from 0 to 2**63 - 1."""
    if seed is None:
        return None
    return whole_number(seed, name, 0, 2 ** 63 - 1,
                        fix="Use a whole number such as 0, or None for a fresh result.")


def _iterable(values) -> bool:
    """True for lists, tuples, sets, ranges, arrays and tensors with at least one axis."""
    if isinstance(values, (torch.Tensor, np.ndarray)):
        return values.ndim >= 1
    return isinstance(values, Iterable)


def steps_within(snapshots: Iterable, steps: int, name: str = "snapshots") -> List[int]:
    """Snapshot steps, each one a step that will happen (0 to steps - 1)."""
    if isinstance(snapshots, (str, bytes, dict)) or not _iterable(snapshots):
        raise CourseError(f"{name} must be a list of step numbers such as (0, {steps - 1}), "
                          f"got {_shown(snapshots)}.")
    return sorted({whole_number(s, f"each of {name}", 0, steps - 1,
                                fix=f"Steps are counted from 0, so with steps={steps} the "
                                    f"last one is {steps - 1}.") for s in snapshots})


def list_of(values, name: str, example: str) -> list:
    """``values`` as a list, maybe empty (strings, dicts and single numbers are refused)."""
    if isinstance(values, (str, bytes, dict)) or not _iterable(values):
        raise CourseError(f"{name} must be a list such as {example}, got {_shown(values)}.")
    return list(values)


def non_empty_list(values, name: str, example: str) -> list:
    """``values`` as a non-empty list (strings and single numbers are refused)."""
    values = list_of(values, name, example)
    if not values:
        raise CourseError(f"{name} is empty: give at least one, e.g. {example}.")
    return values
