"""Argument checks for the public entry points, in a learner's words: the one way the
package checks what it is given.

Each check returns the value in its clean form (an ``int``, a ``float``, a list, a
tensor) or raises a ``CourseError`` that names the argument, the value given, what is
valid and, where there is one, the fix. Entry points call them before any work or
allocation. This module imports nothing of the package but ``errors``: the checks know
a course model, a parameterization or an edit only by what they can do.
"""
import math
import numbers
import os
from typing import Iterable, List, Optional, Sequence

import numpy as np
import torch
from torch import nn

from .errors import CourseError, closest

MAX_SIDE = 4096  # pixels: no picture of the course comes near it; beyond, memory runs out
MAX_PIXELS = MAX_SIDE ** 2  # pixels in all the images one parameterization holds
MAX_STEPS = 100_000  # a render of 512 steps is plenty; 100 000 would run for hours
PSEUDO_LAYERS = ("logits", "labels", "input")


def shown(value) -> str:
    """``repr(value)`` on one line, cut to 60 characters (for messages)."""
    text = " ".join(repr(value).split())
    return text if len(text) <= 60 else text[:57] + "..."


def _fail(message: str, fix: str = ""):
    raise CourseError(message + (f" {fix}" if fix else ""))


# --- numbers ------------------------------------------------------------------------------

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
            span = f"from {minimum} to {maximum}" if maximum >= minimum else \
                f"from {minimum} up (none is valid here)"
        elif minimum is not None:
            span = f"of at least {minimum}"
        else:
            span = f"of at most {maximum}" if maximum is not None else ""
        _fail(f"{name} must be a whole number {span}, got {shown(value)}.", fix)
    return value


def optional_whole(value, name: str, minimum: Optional[int] = None,
                   maximum: Optional[int] = None, fix: str = "") -> Optional[int]:
    """None, or ``value`` as a whole number within [minimum, maximum]."""
    return None if value is None else whole_number(value, name, minimum, maximum, fix)


def real_number(value, name: str, minimum: Optional[float] = None,
                maximum: Optional[float] = None, above: Optional[float] = None,
                fix: str = "", below: Optional[float] = None) -> float:
    """``value`` as a finite float, ``>= minimum``, ``<= maximum``, ``> above`` and
    ``< below``."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    valid = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if valid:
        try:
            value = float(value)
        except OverflowError:  # an int too large for a float
            value, valid = float("inf"), False
        valid = valid and (math.isfinite(value) and (minimum is None or value >= minimum)
                           and (maximum is None or value <= maximum)
                           and (above is None or value > above)
                           and (below is None or value < below))
    if not valid:
        limits = [f"at least {minimum:g}" if minimum is not None else "",
                  f"at most {maximum:g}" if maximum is not None else "",
                  f"greater than {above:g}" if above is not None else "",
                  f"below {below:g}" if below is not None else ""]
        span = " and ".join(part for part in limits if part)
        _fail(f"{name} must be a finite number{' ' + span if span else ''}, got {shown(value)}.",
              fix)
    return value


def probability(value, name: str, fix: str = "") -> float:
    """A number from 0 to 1."""
    return real_number(value, name, 0.0, 1.0, fix=fix)


def boolean(value, name: str) -> bool:
    """``value`` as a bool (True / False, numpy's too)."""
    if not isinstance(value, (bool, np.bool_)):
        _fail(f"{name} must be True or False, got {shown(value)}.")
    return bool(value)


def side(value, name: str = "size", minimum: int = 8) -> int:
    """An image side in pixels: a whole number from ``minimum`` to ``MAX_SIDE``."""
    return whole_number(value, name, minimum, MAX_SIDE,
                        fix="Sizes such as 64, 128 or 224 pixels are typical.")


def optional_side(value, name: str = "input_size", minimum: int = 16) -> Optional[int]:
    """None (the model's own rule) or an image side from ``minimum`` to ``MAX_SIDE``."""
    return None if value is None else side(value, name, minimum)


def image_count(batch, size: int, name: str = "batch") -> int:
    """A number of images of ``size`` pixels: at least 1, at most ``MAX_PIXELS`` pixels
    in all."""
    return whole_number(batch, name, 1, max(1, MAX_PIXELS // (size * size)),
                        fix=f"All the images together may hold {MAX_SIDE} x {MAX_SIDE} "
                            "pixels at most: use a smaller batch or size.")


def step_count(value, name: str = "steps") -> int:
    """A number of optimization steps: 1 to ``MAX_STEPS``."""
    return whole_number(value, name, 1, MAX_STEPS,
                        fix="A few hundred steps (e.g. 256) are typical.")


def optional_seed(seed, name: str = "seed") -> Optional[int]:
    """None (a fresh random result) or a whole number from 0 to 2**63 - 1."""
    if seed is None:
        return None
    return whole_number(seed, name, 0, 2 ** 63 - 1,
                        fix="Use a whole number such as 0, or None for a fresh result.")


def cpu_workers(value, name: str = "workers") -> int:
    """A number of worker processes: 1 to the number of CPU cores of this machine (2 are
    always allowed, so a script written for two cores runs on one)."""
    cores = os.cpu_count() or 1
    return whole_number(value, name, 1, max(2, cores),
                        fix=f"This machine has {cores} CPU core{'s' * (cores != 1)}; use "
                            f"workers={min(2, cores)} or 1.")


def weight(value, name: str, limit: float, nonzero: bool = False) -> torch.Tensor:
    """A finite number with ``|value| <= limit`` or a 1-D tensor of them (one per image),
    as a float tensor; with ``nonzero`` none may be (almost) zero (``|w| < 1 / limit``).
    name: the operation, such as ``'objective *'``."""
    if callable(value) and hasattr(value, "layers"):  # another objective
        verb = {"*": "multiplied", "/": "divided"}.get(name[-1:], "combined")
        _fail(f"Two objectives cannot be {verb}: add or subtract them (channel('mid', 3) - "
              "0.05 * total_variation()) and scale each by a number.")
    if isinstance(value, torch.Tensor) and value.dim() == 1:
        if not value.is_floating_point() and value.dtype not in (torch.int64, torch.int32):
            _fail(f"Per-image weights must be numbers, got dtype {value.dtype}.")
        weights = value.detach().float()
        if weights.numel() == 0 or not torch.isfinite(weights).all() or \
                bool((weights.abs() > limit).any()):
            _fail(f"Per-image weights must be finite numbers from {-limit:g} to {limit:g}, one "
                  f"per image, got {shown(value.tolist())}.")
        if nonzero and bool((weights.abs() < 1 / limit).any()):
            _fail("A per-image divisor is (almost) zero: give non-zero weights.")
        return weights
    if not isinstance(value, (numbers.Real, torch.Tensor)) or isinstance(value, bool) or \
            (isinstance(value, torch.Tensor) and value.numel() != 1):
        _fail(f"An objective combines with another objective or a number ({name} 2), or "
              f"with one weight per image (a 1-D tensor); got {shown(value)} "
              f"({type(value).__name__}).")
    number = real_number(value, f"The number in '{name} ...'", minimum=-limit, maximum=limit,
                         fix="Weights such as 0.05 or 10 are typical.")
    if nonzero and abs(number) < 1 / limit:
        _fail(f"Dividing an objective by {number:g} is dividing by (almost) zero: divide by a "
              "number such as 2, or multiply by 0 to switch a term off.")
    return torch.tensor(number)


# --- text and choices ---------------------------------------------------------------------

def text(value, name: str, example: str) -> str:
    """``value`` as a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        _fail(f"{name} must be a non-empty string such as {example}, got {shown(value)}.")
    return value


def optional_text(value, name: str, example: str) -> Optional[str]:
    """None, or a non-empty string."""
    return None if value is None else text(value, name, example)


def one_of(value, name: str, choices: Iterable, fix: str = ""):
    """``value`` if it is one of ``choices`` (strings get a "did you mean")."""
    choices = list(choices)
    try:
        valid = any(value == c and type(value) is type(c) for c in choices)
    except (TypeError, ValueError, RuntimeError):  # arrays and tensors compare elementwise
        valid = False
    if not valid:
        hint = closest(value, [c for c in choices if isinstance(c, str)]) \
            if isinstance(value, str) and value.strip() else []
        _fail(f"{name} must be one of {', '.join(map(repr, choices))}; got {shown(value)}"
              + (f" (did you mean {hint[0]!r}?)." if hint else "."), fix)
    return value


def layer_name(value, name: str = "layer", pseudo: Iterable[str] = ()) -> str:
    """A layer or stage name (a string); of the pseudo-layers only those in ``pseudo``.

    Lucent's ``"logits"`` / ``"labels"`` in place of a layer get the spelling to use."""
    value = text(value, name, "'mid' or a name from model.layers")
    if value.strip() in ("logits", "labels") and value.strip() not in pseudo:
        _fail(f"{name}={value!r} is the network's output, not a layer with channels and "
              "positions: for a class score use logit(N) or the string 'logits:N'.")
    if value.strip() == "input" and "input" not in pseudo:
        _fail(f"{name}='input' is the image itself, not a layer of the network: for "
              "penalties on the image use l2() or total_variation().")
    return value


def text_mapping(value, name: str, example: str) -> dict:
    """A dict of strings to strings."""
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                              for k, v in value.items()):
        _fail(f"{name} must be a dict of names such as {example}, got {shown(value)}.")
    return dict(value)


# --- collections --------------------------------------------------------------------------

def _iterable(values) -> bool:
    """True for lists, tuples, sets, ranges, arrays and tensors with at least one axis."""
    if isinstance(values, (torch.Tensor, np.ndarray)):
        return values.ndim >= 1
    return isinstance(values, Iterable)


def list_of(values, name: str, example: str) -> list:
    """``values`` as a list, maybe empty (strings, dicts and single numbers are refused)."""
    if isinstance(values, (str, bytes, dict)) or not _iterable(values):
        _fail(f"{name} must be a list such as {example}, got {shown(values)}.")
    return list(values)


def non_empty_list(values, name: str, example: str) -> list:
    """``values`` as a non-empty list (strings and single numbers are refused)."""
    values = list_of(values, name, example)
    if not values:
        _fail(f"{name} is empty: give at least one, e.g. {example}.")
    return values


def texts(values, name: str, example: str) -> List[str]:
    """A non-empty list of strings."""
    values = non_empty_list(values, name, example)
    if not all(isinstance(v, str) for v in values):
        _fail(f"{name} must be strings, such as {example}, got {shown(values[:3])}.")
    return values


def real_list(values, name: str, example: str, above: Optional[float] = None,
              minimum: Optional[float] = None, maximum: Optional[float] = None,
              finite: bool = True) -> List[float]:
    """A non-empty list of numbers within the bounds (finite unless ``finite=False``,
    which lets NaN through, e.g. for a value that could not be measured)."""
    values = non_empty_list(values, name, example)
    if finite:
        return [real_number(v, f"each of {name}", minimum, maximum, above,
                            fix=f"For example {example}.") for v in values]
    if not all(isinstance(v, (numbers.Real, np.number)) and not isinstance(v, bool)
               for v in values):
        _fail(f"{name} must be numbers, got {shown(values[:3])}.")
    return [float(v) for v in values]


def at_least(count: int, minimum: int, what: str, unit: str, fix: str = "") -> int:
    """Refuse a ``count`` below ``minimum``: '``what`` needs at least ``minimum`` ``unit``'
    (for a size or a number of items that the arguments give together)."""
    if count < minimum:
        _fail(f"{what} needs at least {minimum} {unit}, got {count}.", fix)
    return count


def box(value, name: str = "box") -> tuple:
    """(top, left, bottom, right): four whole numbers with bottom > top and right > left."""
    values = list_of(value, name, "(0, 0, 32, 32)")
    if len(values) != 4:
        _fail(f"{name} must be (top, left, bottom, right), got {shown(value)}.")
    top, left = (whole_number(v, f"{name}'s {w}") for v, w in zip(values[:2], ("top", "left")))
    bottom = whole_number(values[2], f"{name}'s bottom", top + 1, fix="A box may not be empty.")
    right = whole_number(values[3], f"{name}'s right", left + 1, fix="A box may not be empty.")
    return top, left, bottom, right


# --- tensors and images -------------------------------------------------------------------

def tensor_of(values, name: str, example: str, dims: Optional[Sequence[int]] = None
              ) -> torch.Tensor:
    """A non-empty float tensor of finite numbers (tensors, arrays and nested lists), as a
    detached CPU copy; with ``dims``, one of those numbers of axes."""
    try:
        x = values if isinstance(values, torch.Tensor) else torch.as_tensor(np.asarray(values))
    except (TypeError, ValueError, RuntimeError):
        x = None
    if x is None or not (x.is_floating_point() or x.dtype in (torch.int32, torch.int64,
                                                                torch.int16, torch.int8,
                                                                torch.uint8)):
        _fail(f"{name} must be numbers (a tensor or an array) such as {example}, "
              f"got {shown(values)}.")
    if x.numel() == 0:
        _fail(f"{name} is empty: it needs numbers, e.g. {example}.")
    if dims is not None and x.dim() not in dims:
        _fail(f"{name} must have {' or '.join(map(str, dims))} axes, such as {example}, got "
              f"shape {tuple(x.shape)}.")
    x = x.detach().float().cpu()
    if not torch.isfinite(x).all():
        _fail(f"{name} contains NaN or infinite values.")
    return x


def rows(values, name: str) -> torch.Tensor:
    """Finite numbers as (N, D) rows, one per item (further axes flattened into D)."""
    x = tensor_of(values, name, "a (N, D) tensor with one row per item")
    if x.dim() < 2:
        _fail(f"{name} must have one row per item, shape (N, D), got shape {tuple(x.shape)}. "
              f"For a single vector use {name}[None].")
    return x.flatten(1)


def image_batch(images, name: str = "images", *, rgb: bool = True, unit_range: bool = True,
                finite: bool = False, convert: bool = False, min_side: int = 1,
                square: bool = False, side: Optional[int] = None) -> torch.Tensor:
    """A batch of images (N, C, H, W) with N >= 1 and float values: the one image check.

    rgb: C is 3. unit_range: finite values in [0, 1] (what a network is given).
    finite: no NaN or infinite value (implied by ``unit_range`` and ``convert``).
    convert: arrays, nested lists and a single (C, H, W) image are accepted too and come
        back as a detached float CPU copy (for measurements); otherwise the tensor itself
        comes back, gradients intact, and without ``unit_range`` or ``finite`` only its
        type and shape are looked at (cheap enough for every step of a render).
    min_side, square, side: at least that many pixels a side; H == W; H == W == side.
    """
    channels = "3" if rgb else "C"
    if convert:
        x = tensor_of(images, name, f"a (N, {channels}, H, W) tensor")
        x = x[None] if x.dim() == 3 else x
    else:
        if not isinstance(images, torch.Tensor):
            hint = (" Convert with torch.from_numpy(array).permute(0, 3, 1, 2) for (N, H, W, 3) "
                    "arrays." if isinstance(images, np.ndarray) else "")
            _fail(f"{name} must be a torch.Tensor of images (N, {channels}, H, W), got "
                  f"{type(images).__name__}.{hint}")
        x = images
    if x.dim() != 4 or (rgb and x.shape[1] != 3):
        _fail(f"{name} must have shape (N, {channels}, H, W), got {tuple(x.shape)}. Add a batch "
              f"dimension with {name}[None] or move channels first with .permute(0, 3, 1, 2).")
    if x.numel() == 0:
        _fail(f"{name} is empty: shape {tuple(x.shape)}. A batch needs at least one image of "
              "at least 1 x 1 pixels.")
    if not x.is_floating_point():
        _fail(f"{name} must hold float values in [0, 1], got dtype {x.dtype}. Convert with "
              "images.float() / 255.")
    at_least(min(x.shape[-2:]), min_side, name, "pixels a side")
    if (square or side is not None) and x.shape[-1] != x.shape[-2]:
        _fail(f"{name} must be square, got {x.shape[-2]} x {x.shape[-1]} pixels.")
    if side is not None and x.shape[-1] != side:
        _fail(f"{name} must be {side} x {side} pixels to match size={side}, got "
              f"{x.shape[-2]} x {x.shape[-1]}.")
    if (unit_range or finite) and not torch.isfinite(x).all():
        _fail(f"{name} contains NaN or infinite values.")
    if unit_range:
        lo, hi = float(x.min()), float(x.max())
        if lo < -1e-3 or hi > 1 + 1e-3:
            _fail(f"{name} must hold pixel values in [0, 1], got range [{lo:.3g}, {hi:.3g}]. "
                  "Pass raw RGB in [0, 1]: the model applies its own normalization.")
    return x


def image_array(value, name: str) -> np.ndarray:
    """A photo as a (H, W, 3) uint8 array."""
    if not (isinstance(value, np.ndarray) and value.ndim == 3 and value.shape[2] == 3
            and value.dtype == np.uint8):
        _fail(f"{name} must be a (H, W, 3) uint8 array, got {type(value).__name__} "
              f"{getattr(value, 'shape', '')} {getattr(value, 'dtype', '')}. Load files with "
              "load_rgb(path).")
    return value


# --- the course's objects, known by what they can do --------------------------------------

def instance_of(value, kind, name: str, example: str, optional: bool = False):
    """``value`` if it is a ``kind`` (or None, with ``optional``)."""
    if (optional and value is None) or isinstance(value, kind):
        return value
    kinds = kind if isinstance(kind, tuple) else (kind,)
    what = " or ".join(k.__name__ for k in kinds) + (" or None" if optional else "")
    _fail(f"{name} must be a {what} such as {example}, got {shown(value)} "
          f"({type(value).__name__}).")


def callable_value(value, name: str, example: str):
    """``value`` if it can be called."""
    if not callable(value):
        _fail(f"{name} must be a function such as {example}, got {shown(value)}.")
    return value


def optional_function(value, name: str, example: str):
    """None, or something that can be called."""
    return None if value is None else callable_value(value, name, example)


def course_model(model, name: str = "model"):
    """A ``CourseModel`` (anything with ``module``, ``resolve`` and ``labels``)."""
    if all(hasattr(model, a) for a in ("module", "resolve", "labels", "input_size_for")):
        return model
    hint = (" This is a bare nn.Module: describe it with wrap_module(module) first."
            if isinstance(model, nn.Module) else "")
    _fail(f"{name} must be a course model from load_model() or wrap_module(), "
          f"got {shown(model)}.{hint}")


def module(value, name: str = "module") -> nn.Module:
    """A ``torch.nn.Module``; a ``CourseModel`` gets the hint to pass ``model.module``."""
    if isinstance(value, nn.Module):
        return value
    hint = (f" This is a course model: pass {name}=model.module."
            if isinstance(getattr(value, "module", None), nn.Module) else "")
    _fail(f"{name} must be a torch.nn.Module, got {shown(value)}.{hint}")


def device(value) -> torch.device:
    """A torch.device that exists on this machine: 'cpu', 'cuda', 'cuda:N'."""
    if isinstance(value, str) and value.strip().lower() == "gpu":
        _fail("device='gpu' is spelt device='cuda' in PyTorch (or leave it out: the GPU is "
              "used when there is one).")
    try:
        if isinstance(value, bool) or not isinstance(value, (str, int, torch.device)):
            raise TypeError
        dev = torch.device(value.strip().lower() if isinstance(value, str) else value)
    except (RuntimeError, TypeError, ValueError, OverflowError):
        _fail(f"device={shown(value)} is not a device: use 'cpu', 'cuda' or leave it out (the "
              "GPU when there is one).")
    one_of(dev.type, "the device type", ("cpu", "cuda"), fix="Use 'cpu' or 'cuda'.")
    if dev.type == "cuda" and not torch.cuda.is_available():
        _fail(f"device={str(dev)!r} was asked for, but this machine has no usable GPU, only "
              "its CPU (torch.cuda.is_available() is False). Use device='cpu' or leave it "
              "out; in Colab, pick Runtime → Change runtime type → GPU.")
    if dev.type == "cuda":
        count = torch.cuda.device_count()
        whole_number(dev.index or 0, "the GPU index", 0, count - 1,
                     fix=f"device={str(dev)!r} was asked for, but this machine has {count} "
                         f"GPU{'s' * (count != 1)} (cuda:0 to cuda:{count - 1}): use "
                         "device='cuda' for the first one.")
    return dev


def parameterization(param, device_: torch.device) -> tuple:
    """An image parameterization: an nn.Module with parameters to optimize whose
    ``forward()`` gives (N, 3, H, W) images. Moves it to ``device_``; returns
    (param, batch, size)."""
    if not isinstance(param, nn.Module) or not any(p.requires_grad for p in param.parameters()):
        _fail(f"param must be an image parameterization (an nn.Module with parameters to "
              f"optimize, e.g. param.image(128)), got {shown(param)}.")
    with torch.no_grad():
        try:
            images = param.to(device_)()
        except TypeError as exc:  # its forward() needs arguments
            _fail(f"param() must take no arguments and return images; calling it failed: {exc}.")
    image_batch(images, "param()", unit_range=False, square=True)
    return param, images.shape[0], images.shape[-1]


def transform_spec(spec):
    """``'standard'``, None / ``'none'``, a callable or a list of callables."""
    if spec is None or (isinstance(spec, str) and spec in ("standard", "none")):
        return spec
    steps = list(spec) if isinstance(spec, (list, tuple)) else [spec]
    if isinstance(spec, str) or not all(callable(t) for t in steps):
        _fail(f"Unknown transforms {shown(spec)}: use 'standard', None, a callable or a list "
              "of callables that take and return an image batch.")
    return spec


def edit_fits(edit, param) -> None:
    """An edit that works on one kind of parameterization only (its ``works_on``) says
    so before the first step when the image is another kind (None: render's default, a
    Fourier image, which no such edit works on)."""
    needs = getattr(edit, "works_on", None)
    if needs is not None and not isinstance(param, needs):
        kind = type(param).__name__ if param is not None else "Fourier image (the default)"
        _fail(f"param_edit works on a {needs.__name__} (raw pixels) only, but the image is a "
              f"{kind}: pass param=param.image(size, fft=False, decorrelate=False) or leave "
              "the edit out.")


def objective_for(model, objective):
    """An objective (anything with ``layers`` and ``channels``) whose layers and channels
    ``model`` has, checked before any work."""
    course_model(model)
    for name in set(objective.layers) - {"logits", "input"}:
        model.resolve(name)
    for name, n in objective.channels:
        model.check_channel(name, n)
    return objective


def image_shape(size, batch, param, device_) -> tuple:
    """(size, batch) of the images a render makes: ``param``'s when it is given (``size``
    and ``batch``, if given too, must agree with it), else ``size`` (default 128 pixels)
    and ``batch`` (default 1)."""
    if param is None:
        size = side(128 if size is None else size)
        return size, image_count(1 if batch is None else batch, size)
    _, made_batch, made_size = parameterization(param, device_)
    for name, given, made in (("size", size, made_size), ("batch", batch, made_batch)):
        if given is not None and not (isinstance(given, numbers.Integral) and given == made):
            _fail(f"{name}={shown(given)}, but param makes {made}: the parameterization fixes "
                  f"the images' size and number, so leave {name}= out.")
    return made_size, made_batch


def render_arguments(model, objective, *, size, batch, steps, lr, seed, input_size, param,
                     transforms, param_edit, progress) -> tuple:
    """Everything ``render`` is given, checked in one go before any work. Returns (size,
    batch, steps, lr, seed, input_size), clean; a given ``param`` is moved to the model's
    device."""
    objective_for(model, objective)
    size, batch = image_shape(size, batch, param, model.device)
    steps, seed = step_count(steps), optional_seed(seed)
    lr = real_number(lr, "lr", above=0, maximum=10, fix="A typical learning rate is 0.05.")
    transform_spec(transforms)
    edit_fits(optional_function(param_edit, "param_edit", "param_edits.blur_every(4)"), param)
    boolean(progress, "progress")
    return size, batch, steps, lr, seed, optional_side(input_size)


def parameter_named(param, names: Sequence[str], who: str) -> str:
    """The first of ``names`` that ``param`` has as an attribute (its kind of parameters)."""
    for attribute in names:
        if hasattr(param, attribute):
            return attribute
    _fail(f"{who} does not know how to work on a {type(param).__name__}: it needs a "
          f"{' or '.join(f'`{n}`' for n in names)} parameter.")
