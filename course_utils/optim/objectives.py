"""What to maximize. Objectives are small objects that add, subtract and scale.

An objective maps the captured activations (a dict: layer name → tensor) to one score
per image in the batch, shape (batch,). The renderer maximizes the sum of the scores.
Layer names may be stage names (``"mid"``); two pseudo-layers complete the picture:
``"logits"`` (the network's output scores) and ``"input"`` (the image itself, before
the random transforms). Penalties on the image are objectives on ``"input"``, so one
algebra says everything that is maximized:

>>> channel("mid", 3) - 0.05 * total_variation() - 10 * l2()
"""
import operator
from typing import Callable, Dict, Iterable, Optional, Sequence, Union

import torch

from ..errors import CourseError
from ..hooks import INPUT, LOGITS

Acts = Dict[str, torch.Tensor]
Weight = Union[int, float, torch.Tensor]  # a number, or one weight per image


class Objective:
    """A score to maximize, with the layers it reads and the channels it needs."""

    def __init__(self, fn: Callable[[Acts], torch.Tensor], layers: Iterable[str],
                 name: str, channels: Sequence[tuple] = ()):
        self.fn, self.layers, self.name = fn, frozenset(layers), name
        self.channels = tuple(channels)  # (layer, channel) pairs to validate up front

    def __call__(self, acts: Acts) -> torch.Tensor:
        return self.fn(acts)

    def __repr__(self) -> str:
        return f"Objective({self.name})"

    def _combine(self, other, op, symbol) -> "Objective":
        if isinstance(other, Objective):
            return Objective(lambda a: op(self(a), other(a)), self.layers | other.layers,
                             f"({self.name} {symbol} {other.name})",
                             self.channels + other.channels)
        if isinstance(other, (int, float, torch.Tensor)) and not isinstance(other, bool):
            def fn(a):
                value = self(a)
                return op(value, torch.as_tensor(other, dtype=value.dtype, device=value.device))

            label = "weights" if isinstance(other, torch.Tensor) else other
            return Objective(fn, self.layers, f"({self.name} {symbol} {label})", self.channels)
        return NotImplemented

    def __add__(self, other):
        return self._combine(other, operator.add, "+")

    __radd__ = __add__

    def __sub__(self, other):
        return self._combine(other, operator.sub, "-")

    def __rsub__(self, other):
        return (-self) + other

    def __mul__(self, other):
        if isinstance(other, Objective):
            return NotImplemented
        return self._combine(other, operator.mul, "*")

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, Objective):
            return NotImplemented
        return self * (1.0 / other)

    def __neg__(self):
        return Objective(lambda a: -self(a), self.layers, f"-{self.name}", self.channels)


def _only(batch: Optional[int], per_image: torch.Tensor) -> torch.Tensor:
    """Keep the score of image ``batch`` only (all images when ``batch`` is None)."""
    if batch is None:
        return per_image
    if not 0 <= batch < per_image.shape[0]:
        raise CourseError(f"batch={batch} is out of range for a batch of "
                          f"{per_image.shape[0]} images.")
    mask = torch.zeros_like(per_image)
    mask[batch] = 1.0
    return per_image * mask


# --- what the network computes ---------------------------------------------------------

def channel(layer: str, n: int, batch: Optional[int] = None) -> Objective:
    """A channel: the mean of channel ``n`` of ``layer`` over every position."""
    return Objective(lambda a: _only(batch, a[layer][:, n].mean((-2, -1))), [layer],
                     f"channel({layer}:{n})", [(layer, n)])


def neuron(layer: str, n: int, x: Optional[int] = None, y: Optional[int] = None,
           batch: Optional[int] = None) -> Objective:
    """A neuron: channel ``n`` of ``layer`` at one position (the centre by default)."""
    def fn(a):
        act = a[layer]
        h, w = act.shape[-2:]
        yy = h // 2 if y is None else y
        xx = w // 2 if x is None else x
        if not (0 <= yy < h and 0 <= xx < w):
            raise CourseError(f"Neuron position (x={xx}, y={yy}) is outside layer {layer!r}, "
                              f"whose feature map is {w} wide and {h} high at this input size.")
        return _only(batch, act[:, n, yy, xx])

    return Objective(fn, [layer], f"neuron({layer}:{n})", [(layer, n)])


def layer_energy(layer: str, batch: Optional[int] = None) -> Objective:
    """DeepDream's objective: the mean squared activation of a whole layer."""
    return Objective(lambda a: _only(batch, a[layer].pow(2).mean((1, 2, 3))), [layer],
                     f"layer_energy({layer})")


def logit(class_index: int, batch: Optional[int] = None) -> Objective:
    """The model's output score (pre-softmax) for one class."""
    def fn(a):
        out = a[LOGITS]
        if not 0 <= class_index < out.shape[-1]:
            raise CourseError(f"Class {class_index} is out of range: the model has "
                              f"{out.shape[-1]} classes (0 to {out.shape[-1] - 1}).")
        return _only(batch, out[:, class_index])

    return Objective(fn, [LOGITS], f"logit({class_index})")


def direction(layer: str, vector: Union[torch.Tensor, Sequence[float]],
              batch: Optional[int] = None) -> Objective:
    """The mean projection of the activations onto a direction in channel space.

    A weighted group of channels is a direction with several non-zero weights.
    """
    v = torch.as_tensor(vector, dtype=torch.float32)
    if v.dim() != 1 or not torch.isfinite(v).all() or float(v.norm()) == 0:
        raise CourseError("The direction must be a finite, non-zero 1-D vector with one "
                          "weight per channel.")

    def fn(a):
        act = a[layer]
        if act.shape[1] != v.numel():
            raise CourseError(f"The direction has {v.numel()} weights but layer {layer!r} has "
                              f"{act.shape[1]} channels.")
        unit = (v / v.norm()).to(act)
        return _only(batch, torch.einsum("nchw,c->nhw", act, unit).mean((-2, -1)))

    return Objective(fn, [layer], f"direction({layer})")


def diversity(layer: str) -> Objective:
    """Push the images of a batch apart: minus each image's mean cosine similarity to
    the others, compared by the Gram matrices of their activations (their "style")."""
    def fn(a):
        act = a[layer]
        n, c = act.shape[:2]
        if n < 2:
            raise CourseError("The diversity objective needs a batch of at least 2 images.")
        flat = act.reshape(n, c, -1)
        gram = torch.bmm(flat, flat.transpose(1, 2)).reshape(n, -1)
        gram = torch.nn.functional.normalize(gram, dim=1)
        sim = gram @ gram.T
        return -(sim.sum(1) - sim.diagonal()) / (n - 1)

    return Objective(fn, [layer], f"diversity({layer})")


# --- penalties: objectives on the image itself (subtract them) -------------------------

def l2(center: float = 0.5) -> Objective:
    """Mean squared distance of each image's pixels from grey (L2 / weight decay)."""
    return Objective(lambda a: (a[INPUT] - center).pow(2).mean((1, 2, 3)), [INPUT], "l2")


def total_variation() -> Objective:
    """Mean absolute difference between neighbouring pixels (down and right), per image."""
    def fn(a):
        x = a[INPUT]
        down = (x[..., 1:, :] - x[..., :-1, :]).abs().mean((1, 2, 3))
        right = (x[..., :, 1:] - x[..., :, :-1]).abs().mean((1, 2, 3))
        return down + right

    return Objective(fn, [INPUT], "total_variation")


# --- Lucent's shorthand ----------------------------------------------------------------

def parse(spec: Union[str, Objective]) -> Objective:
    """An objective, or Lucent's shorthand string: ``"mid:3"`` (a channel) and
    ``"logits:7"`` (a class logit; Lucent's InceptionV1 spells it ``"labels:7"``)."""
    if isinstance(spec, Objective):
        return spec
    if isinstance(spec, str) and ":" in spec:
        name, _, idx = spec.rpartition(":")
        if idx.strip().lstrip("-").isdigit():
            if name.strip() in (LOGITS, "labels"):
                return logit(int(idx))
            return channel(name.strip(), int(idx))
    raise CourseError(f"Cannot read objective {spec!r}: use an Objective such as "
                      "channel('mid', 3), or a 'layer:channel' string such as 'mid:3' "
                      "('logits:7' for class 7's logit).")
