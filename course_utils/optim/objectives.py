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

from .. import contract
from ..errors import CourseError
from ..hooks import IMAGE, LOGITS

Acts = Dict[str, torch.Tensor]
Weight = Union[int, float, torch.Tensor]  # a number, or one weight per image
MAX_WEIGHT = 1e6  # larger weights (or added constants) swamp every other term


class Objective:
    """A score to maximize, with the layers it reads and the channels it needs.

    fn: a function of the captured activations (layer name -> tensor) that returns one
        score per image. layers: the names it reads (one string or a list).
    name: a label for progress bars. channels: (layer, channel) pairs to check up front.
    Objectives add and subtract (``+``, ``-``), and scale by a finite number or by one
    weight per image (``*``, ``/``); two objectives cannot be multiplied or divided.
    """

    __array_ufunc__ = None  # numpy leaves ``array * objective`` to the methods below

    def __init__(self, fn: Callable[[Acts], torch.Tensor], layers: Iterable[str],
                 name: str, channels: Sequence[tuple] = ()):
        fn = contract.callable_value(fn, "fn", "lambda acts: acts['mid'][:, 3].mean((-2, -1))")
        layers = [layers] if isinstance(layers, str) else \
            contract.non_empty_list(layers, "layers", "['mid']")
        layers = [contract.text(n, "each of layers", "'mid'") for n in layers]
        self.fn, self.layers, self.name = fn, frozenset(layers), str(name)
        self.channels = tuple(channels)  # (layer, channel) pairs to validate up front

    def __call__(self, acts: Acts) -> torch.Tensor:
        return self.fn(acts)

    def __repr__(self) -> str:
        return f"Objective({self.name})"

    def _combine(self, other, op, symbol) -> "Objective":
        if isinstance(other, Objective) and symbol in "+-":
            return Objective(lambda a: op(self(a), other(a)), self.layers | other.layers,
                             f"({self.name} {symbol} {other.name})",
                             self.channels + other.channels)
        other = contract.weight(other, f"objective {symbol}", MAX_WEIGHT)

        def fn(a):
            value = self(a)
            contract.one_of(other.numel(), "The number of per-image weights",
                            (1, value.numel()), fix="Give one weight per image of the batch.")
            return op(value, other.to(dtype=value.dtype, device=value.device))

        label = "weights" if other.dim() else f"{float(other):g}"
        return Objective(fn, self.layers, f"({self.name} {symbol} {label})", self.channels)

    def __add__(self, other):
        return self._combine(other, operator.add, "+")

    __radd__ = __add__

    def __sub__(self, other):
        return self._combine(other, operator.sub, "-")

    def __rsub__(self, other):
        return (-self) + other

    def __mul__(self, other):
        return self._combine(other, operator.mul, "*")

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self * (1.0 / contract.weight(other, "objective /", MAX_WEIGHT, nonzero=True))

    def __rtruediv__(self, other):
        raise CourseError("A number cannot be divided by an objective: scale the objective "
                          "instead, e.g. 0.5 * objective.")

    def __neg__(self):
        return Objective(lambda a: -self(a), self.layers, f"-{self.name}", self.channels)


def _batch(batch) -> Optional[int]:
    """None (every image) or the index of one image in the batch."""
    return contract.optional_whole(batch, "batch", 0,
                                   fix="batch picks one image of the batch: 0 for the first.")


def _only(batch: Optional[int], per_image: torch.Tensor) -> torch.Tensor:
    """Keep the score of image ``batch`` only (all images when ``batch`` is None)."""
    if batch is None:
        return per_image
    n = per_image.shape[0]
    contract.whole_number(batch, "batch", 0, n - 1,
                          fix=f"batch={batch} picks one image of a batch of {n} images.")
    mask = torch.zeros_like(per_image)
    mask[batch] = 1.0
    return per_image * mask


# --- what the network computes ---------------------------------------------------------

def channel(layer: str, n: int, batch: Optional[int] = None) -> Objective:
    """A channel: the mean of channel ``n`` of ``layer`` over every position.

    layer: a stage or layer name (``'mid'``, ``'_blocks.8'``). n: a channel index, checked
    against the model when the objective is used (0 to ``model.channels(layer) - 1``).
    batch: None (every image) or the index of the one image this objective scores.
    """
    layer, batch = contract.layer_name(layer), _batch(batch)
    return Objective(lambda a: _only(batch, a[layer][:, n].mean((-2, -1))), [layer],
                     f"channel({layer}:{n})", [(layer, n)])


def neuron(layer: str, n: int, x: Optional[int] = None, y: Optional[int] = None,
           batch: Optional[int] = None) -> Objective:
    """A neuron: channel ``n`` of ``layer`` at one position (the centre by default).

    layer, n, batch: as for ``channel``. x, y: None (the centre) or a column / row of the
    layer's feature map (whole numbers >= 0, checked against its size when used).
    """
    layer, batch = contract.layer_name(layer), _batch(batch)
    x = contract.optional_whole(x, "x", 0, fix="x is a column of the feature map; None is "
                                               "its centre.")
    y = contract.optional_whole(y, "y", 0, fix="y is a row of the feature map; None is its "
                                               "centre.")

    def fn(a):
        act = a[layer]
        h, w = act.shape[-2:]
        where = f"The feature map of {layer!r} is {w} wide and {h} high at this input size."
        xx = w // 2 if x is None else contract.whole_number(x, "x", 0, w - 1, fix=where)
        yy = h // 2 if y is None else contract.whole_number(y, "y", 0, h - 1, fix=where)
        return _only(batch, act[:, n, yy, xx])

    return Objective(fn, [layer], f"neuron({layer}:{n})", [(layer, n)])


def layer_energy(layer: str, batch: Optional[int] = None) -> Objective:
    """DeepDream's objective: the mean squared activation of a whole layer.

    layer: a stage or layer name (or ``'input'``, the image). batch: as for ``channel``.
    """
    layer, batch = contract.layer_name(layer, pseudo=(IMAGE,)), _batch(batch)
    return Objective(lambda a: _only(batch, a[layer].pow(2).mean((1, 2, 3))), [layer],
                     f"layer_energy({layer})")


def logit(class_index: int, batch: Optional[int] = None) -> Objective:
    """The model's output score (pre-softmax) for one class.

    class_index: a whole number from 0 to the number of classes - 1 (checked against
    the model when used). batch: as for ``channel``.
    """
    class_index = contract.whole_number(class_index, "class_index", 0,
                                        fix="Class indices count from 0; model.labels lists "
                                            "the classes.")
    batch = _batch(batch)

    def fn(a):
        out = a[LOGITS]
        classes = out.shape[-1]
        contract.whole_number(class_index, "class_index", 0, classes - 1,
                              fix=f"The model has {classes} classes (0 to {classes - 1}).")
        return _only(batch, out[:, class_index])

    return Objective(fn, [LOGITS], f"logit({class_index})")


def direction(layer: str, vector: Union[torch.Tensor, Sequence[float]],
              batch: Optional[int] = None) -> Objective:
    """The mean projection of the activations onto a direction in channel space.

    A weighted group of channels is a direction with several non-zero weights.
    layer: a stage or layer name (or ``'input'``: a colour direction). vector: finite
    numbers, not all zero, one per channel of the layer (checked when used).
    batch: as for ``channel``.
    """
    layer, batch = contract.layer_name(layer, pseudo=(IMAGE,)), _batch(batch)
    v = contract.tensor_of(vector, "vector", "[1.0, 0.0, -1.0] (one weight per channel)",
                           dims=(1,))
    contract.real_number(float(v.norm()), "The direction's length", above=0,
                         fix="Give at least one non-zero weight.")

    def fn(a):
        act = a[layer]
        if act.shape[1] != v.numel():  # known only once the layer has run
            raise CourseError(f"The direction has {v.numel()} weights but layer {layer!r} has "
                              f"{act.shape[1]} channels.")
        unit = (v / v.norm()).to(act)
        return _only(batch, torch.einsum("nchw,c->nhw", act, unit).mean((-2, -1)))

    return Objective(fn, [layer], f"direction({layer})")


def diversity(layer: str) -> Objective:
    """Push the images of a batch apart: minus each image's mean cosine similarity to
    the others, compared by the Gram matrices of their activations (their "style").

    layer: a stage or layer name (or ``'input'``). Needs a batch of at least 2 images.
    """
    layer = contract.layer_name(layer, pseudo=(IMAGE,))

    def fn(a):
        act = a[layer]
        n, c = act.shape[:2]
        contract.at_least(n, 2, "The diversity objective", "images in the batch",
                          fix="Render with batch=2 or more.")
        flat = act.reshape(n, c, -1)
        gram = torch.bmm(flat, flat.transpose(1, 2)).reshape(n, -1)
        gram = torch.nn.functional.normalize(gram, dim=1)
        sim = gram @ gram.T
        return -(sim.sum(1) - sim.diagonal()) / (n - 1)

    return Objective(fn, [layer], f"diversity({layer})")


# --- penalties: objectives on the image itself (subtract them) -------------------------

def l2(center: float = 0.5) -> Objective:
    """Mean squared distance of each image's pixels from ``center`` (L2 / weight decay).

    center: a number from 0 to 1 (0.5 is grey).
    """
    center = contract.real_number(center, "center", 0.0, 1.0, fix="0.5 is grey.")
    return Objective(lambda a: (a[IMAGE] - center).pow(2).mean((1, 2, 3)), [IMAGE], "l2")


def total_variation() -> Objective:
    """Mean absolute difference between neighbouring pixels (down and right), per image."""
    def fn(a):
        x = a[IMAGE]
        down = (x[..., 1:, :] - x[..., :-1, :]).abs().mean((1, 2, 3))
        right = (x[..., :, 1:] - x[..., :, :-1]).abs().mean((1, 2, 3))
        return down + right

    return Objective(fn, [IMAGE], "total_variation")


# --- Lucent's shorthand ----------------------------------------------------------------

def parse(spec: Union[str, Objective]) -> Objective:
    """An objective, or Lucent's shorthand string: ``"mid:3"`` (a channel) and
    ``"logits:7"`` (a class logit; Lucent's InceptionV1 spells it ``"labels:7"``).

    spec: an ``Objective`` or a string ``'layer:N'`` with N a whole number (digits 0-9).
    """
    if isinstance(spec, Objective):
        return spec
    if isinstance(spec, str) and ":" in spec:
        name, _, idx = spec.rpartition(":")
        idx = idx.strip()
        digits = idx[1:] if idx.startswith("-") else idx
        if digits and all(c in "0123456789" for c in digits):
            if name.strip() in (LOGITS, "labels"):
                return logit(int(idx))
            return channel(name.strip(), int(idx))
    lucent = type(spec).__module__.startswith("lucent")
    raise CourseError(f"Cannot read objective {contract.shown(spec)}: use an Objective such as "
                      "channel('mid', 3), or a 'layer:channel' string such as 'mid:3' "
                      "('logits:7' for class 7's logit)."
                      + (" Lucent's own objectives do not run here: build the same one "
                         "with course_utils.optim (channel, neuron, direction, ...)."
                         if lucent else ""))
