"""Receptive fields measured from the network: which input pixels a layer position sees.

The field is read off the network itself, not from a table: we put a random image in,
take the sum of every channel of the layer at one spatial position, and back-propagate
to the input. The pixels with a non-zero gradient are the pixels that position can see.

* **size**: the side of that square of pixels (the theoretical receptive field).
* **jump**: how far the field moves, in input pixels, when the position moves by one
  (the product of the strides).
* **offset**: the first input row (and column) seen by position 0; negative when the
  field starts in the padding.
* **effective size**: the side of the centred box that holds 90 % of the gradient's
  magnitude (the "effective receptive field" of Luo et al. 2016): the centre of the field
  matters far more than its rim.

The jump and offset come from where the fields of the last two positions begin, the
size from where the field of the first position ends: those edges lie inside the image
as long as the field is smaller than about twice the image, and the probe image is made
larger until they do. Its side is the native input size plus a multiple of twice the
layer's stride, so that "same" padding (static, or computed from the input size) and
hence the offset are what they are at the native size.

ReLU-dead zones: a ReLU that is off for a given input passes no gradient, so a single
probe can under-report the field. We sum *all* channels of the position (a pixel is lost
only if every path through every channel is dead) and take the union over several random
images: a pixel counts if any probe gives it a non-zero gradient. If the fields of
neighbouring positions still disagree (a dead zone cut one of them), more probes are
added, up to eight, before giving up with an error.
"""
import math
from dataclasses import dataclass
from typing import Dict, Tuple

import numpy as np
import torch

from .. import contract
from ..errors import CourseError
from ..hooks import capture

Box = Tuple[int, int, int, int]  # (top, left, bottom, right), bottom/right exclusive


@dataclass(frozen=True)
class ReceptiveField:
    """Where a position of ``layer`` looks in an input image of side ``input_size``."""

    layer: str
    size: int
    jump: int
    offset: int
    input_size: int
    effective_size: int  # side of the centred box that holds 90 % of the gradient
    grid: Tuple[int, int] = (0, 0)  # the layer's positions (rows, columns) at input_size
    bounded: bool = True  # False: the field reached the largest probe (a global layer)

    def box(self, i: int, j: int, clip: bool = False, effective: bool = False) -> Box:
        """(top, left, bottom, right) in input pixels of the field of position (i, j).

        clip: cut the box to the input image. effective: the smaller box that holds most
        of the gradient, centred on the same point, instead of the full field."""
        if not self.bounded:
            return (0, 0, self.input_size, self.input_size)
        side = self.effective_size if effective else self.size
        shrink = (self.size - side) // 2
        top, left = self.offset + i * self.jump + shrink, self.offset + j * self.jump + shrink
        box = (top, left, top + side, left + side)
        return clip_box(box, self.input_size) if clip else box

    def interior(self) -> np.ndarray:
        """(rows, columns) boolean mask of the positions whose effective field lies inside
        the image as much as any position's does: away from the border, where the zero
        padding would take part in the activation."""
        def axis(count):
            share = []
            for i in range(count):
                top, _, bottom, _ = self.box(i, 0, effective=True)
                share.append(min(bottom, self.input_size) - max(top, 0))
            share = np.array(share, dtype=float)
            return share >= share.max() - 1e-9
        return np.outer(axis(self.grid[0]), axis(self.grid[1]))

    def center(self, i: int, j: int) -> Tuple[float, float]:
        """Centre of the field of position (i, j), in input pixels (row, column)."""
        half = (self.size - 1) / 2
        return (self.offset + i * self.jump + half, self.offset + j * self.jump + half)


def clip_box(box: Box, side: int) -> Box:
    """``box`` cut to a ``side`` × ``side`` image."""
    top, left, bottom, right = box
    return (max(0, top), max(0, left), min(side, bottom), min(side, right))


def _layer_output(module, name: str, x: torch.Tensor) -> torch.Tensor:
    """Run ``module`` on ``x`` only as far as layer ``name``; return its output."""
    with capture(module, [name], detach=False) as acts:
        acts.run(x)
    if name not in acts:
        raise CourseError(f"Layer {name!r} did not run in a forward pass, so it has no "
                          "receptive field. Pick a layer from `model.layers`.")
    return acts[name]


def _feature_side(model, name: str, side: int) -> int:
    """Spatial side of layer ``name`` for a ``side`` × ``side`` input."""
    with torch.no_grad():
        x = torch.zeros(1, 3, side, side, device=model.device)
        y = _layer_output(model.module, name, model.preprocess(x))
    if y.dim() != 4:
        raise CourseError(f"Layer {name!r} has no spatial positions (output shape "
                          f"{tuple(y.shape)}), so it has no receptive field.")
    return y.shape[-1]


def _extent(model, name: str, side: int, position: int, probe: int, seed: int):
    """Rows and columns (lo_r, hi_r, lo_c, hi_c) with a non-zero input gradient for
    position (position, position) on random image number ``probe``, and the |gradient|
    summed over colours (None, None when every path was dead)."""
    gen = torch.Generator().manual_seed(seed * 1000 + probe)
    x = torch.rand(1, 3, side, side, generator=gen).to(model.device).requires_grad_(True)
    with torch.enable_grad():
        y = _layer_output(model.module, name, model.preprocess(x))
        (grad,) = torch.autograd.grad(y[0, :, position, position].sum(), x)
    g = grad[0].abs().sum(0).cpu()
    rows = torch.nonzero(g.sum(1) > 0).flatten()
    cols = torch.nonzero(g.sum(0) > 0).flatten()
    if len(rows) == 0:
        return None, None
    return (int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])), g


def _union(a, b):
    if a is None or b is None:
        return a if b is None else b
    return (min(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), max(a[3], b[3]))


def _effective_size(mass: torch.Tensor, center: Tuple[float, float], size: int,
                    share: float = 0.9) -> int:
    """Side of the smallest square centred on ``center`` that holds ``share`` of ``mass``."""
    total = float(mass.sum())
    cy, cx = center
    for side in range(1, size + 1):
        top, left = int(round(cy - (side - 1) / 2)), int(round(cx - (side - 1) / 2))
        inside = float(mass[max(0, top):top + side, max(0, left):left + side].sum())
        if inside >= share * total:
            return side
    return size


_CACHE: Dict[tuple, ReceptiveField] = {}
EXTRA_PROBES = 8  # added, one by one, while neighbouring fields disagree


def receptive_field(model, layer: str, probes: int = 2, seed: int = 0,
                    max_side: int = 2048) -> ReceptiveField:
    """Measure the receptive field of ``layer`` (a stage such as ``"mid"`` or a layer name)
    from input gradients; results are remembered for the session.

    probes: random images whose gradient supports are united (see the module docstring).
    max_side: the largest probe image; a field still touching its border is reported as
        unbounded (the layer mixes the whole image, e.g. after global pooling).
    """
    name = contract.course_model(model).resolve(layer)
    if name not in model.spatial or len(model.spatial[name]) != 2:
        raise CourseError(f"Layer {name!r} has no spatial positions, so it has no receptive "
                          "field. Use a convolutional layer, e.g. a stage: "
                          f"{', '.join(model.stages)}.")
    probes = contract.whole_number(probes, "probes", 1, fix="2 random images are typical.")
    seed = contract.whole_number(seed, "seed", 0)
    max_side = contract.side(max_side, "max_side", minimum=model.input_size)
    key = (id(model.module), name, model.input_size, probes, seed, max_side)
    if key not in _CACHE:
        _CACHE[key] = _measure(model, name, probes, seed, max_side)
    return _CACHE[key]


def _measure(model, name: str, probes: int, seed: int, max_side: int) -> ReceptiveField:
    """Fields of the first two and last two positions of the diagonal: the last two give
    the jump and the offset (their first row is inside the image), the first one the
    size (its last row is inside the image). The probe grows until that holds."""
    native, grid = model.input_size, tuple(model.spatial[name])
    stride_bound = 2 ** math.ceil(math.log2(max(1.0, native / min(grid))))  # >= the jump
    m = 1
    while True:
        side = native + 2 * stride_bound * m
        n = _feature_side(model, name, side)
        if n >= 4:
            first, last, middle = [0, 1], [n - 2, n - 1], n // 2
            found = {p: _extent(model, name, side, p, 0, seed) for p in first + last + [middle]}
            ext = {p: e for p, (e, _) in found.items()}
            if all(e is not None for e in ext.values()) and _edges_inside(ext, first, last, side):
                break
        if side * 2 > max_side:
            return ReceptiveField(name, max_side, 0, 0, native, native, grid, bounded=False)
        m *= 2
    mass = found[middle][1]
    probe, solved = 1, None
    while True:
        solved = _solve(ext, n) if probe >= probes else None
        if solved is not None or probe >= probes + EXTRA_PROBES:
            break
        for p in ext:  # one more random image; its support is added to the union
            e, g = _extent(model, name, side, p, probe, seed)
            ext[p] = _union(ext[p], e)
            if p == middle and g is not None:
                mass = mass + g
        probe += 1
    if solved is None:
        raise CourseError(f"Layer {name!r}: the fields of neighbouring positions disagree "
                          f"even after {probe} random probes (not square, or not moving by a "
                          "constant step), so it has no regular receptive field.")
    size, jump, offset = solved
    center = offset + middle * jump + (size - 1) / 2
    effective = _effective_size(mass, (center, center), size)
    return ReceptiveField(name, size, jump, offset, native, effective, grid)


def _solve(ext, n: int):
    """(size, jump, offset) from the fields of positions 0, 1, n - 2 and n - 1, or None
    when rows and columns, or the two ends, disagree (a dead ReLU cut one of them)."""
    a, b = ext[n - 2], ext[n - 1]
    jump, jump_c = b[0] - a[0], b[2] - a[2]
    offset, offset_c = b[0] - (n - 1) * jump, b[2] - (n - 1) * jump_c
    size, size_c = ext[0][1] - offset + 1, ext[0][3] - offset_c + 1
    steps = (ext[1][1] - ext[0][1], ext[1][3] - ext[0][3])
    if (jump, offset, size) != (jump_c, offset_c, size_c) or steps != (jump, jump) or jump < 1:
        return None
    return size, jump, offset


def _edges_inside(ext, first, last, side: int) -> bool:
    """True when the far edges of the first / near edges of the last positions are not
    cut by the image border, so they are the field's own edges."""
    return (all(ext[p][1] < side - 1 and ext[p][3] < side - 1 for p in first)
            and all(ext[p][0] > 0 and ext[p][2] > 0 for p in last))
