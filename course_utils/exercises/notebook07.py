"""Notebook 07's exercise: the shortcut's localization number. How concentrated in the
top-left corner (where the scans' tag sits) is the energy of a batch of images,
differences of images or input gradients? 1 = spread evenly; the largest possible value
is the inverse of the corner's share of the area."""
from typing import Callable

import torch

from .judging import ExerciseMistake, judge


# --- reference solution ----------------------------------------------------------------

def tag_concentration(x: torch.Tensor, corner: int = 16) -> float:
    """The top-left ``corner`` × ``corner`` pixels' share of the energy of the batch ``x``
    (N, 3, H, W), divided by their share of the image's area. The energy of a pixel is
    its squared distance from its image's mean colour, summed over the colour channels;
    the energies of all the images of the batch are added."""
    centred = x - x.mean((-2, -1), keepdim=True)
    energy = centred.pow(2).sum(1).sum(0)  # (H, W)
    inside = energy[:corner, :corner].sum() / energy.sum()
    area = corner * corner / (x.shape[-2] * x.shape[-1])
    return float(inside / area)


# --- the cases the checker tries --------------------------------------------------------

def _blob(n: int, side: int, top: int, left: int, width: int, seed: int,
          offset: float = 0.0) -> torch.Tensor:
    """Faint noise everywhere plus a strong patch at (top, left): (n, 3, side, side).
    With an ``offset``, each image and colour channel is shifted by its own amount."""
    g = torch.Generator().manual_seed(seed)
    x = 0.05 * torch.randn(n, 3, side, side, generator=g)
    x[:, :, top:top + width, left:left + width] += torch.randn(n, 3, width, width, generator=g)
    shift = offset * (0.5 + torch.rand(n, 3, 1, 1, generator=g))
    return x + shift


def _share(values: torch.Tensor, rows: slice, cols: slice, area: float) -> float:
    """The box's share of the summed ``values`` (H, W), over its share of the area."""
    return float(values[rows, cols].sum() / values.sum()) / area


def _mistakes(x: torch.Tensor, corner: int):
    """(value, what is wrong) for each plausible wrong way to compute the number."""
    h, w = x.shape[-2:]
    area = corner * corner / (h * w)
    near, far_rows, far_cols = slice(0, corner), slice(h - corner, h), slice(w - corner, w)
    centred = x - x.mean((-2, -1), keepdim=True)
    energy = centred.pow(2).sum(1)  # (N, H, W)
    pooled = energy.sum(0)
    right = _share(pooled, near, near, area)
    found = [(right * area, f"that is the corner's share of the energy; divide it by the "
              f"corner's share of the area ({corner}² / (H·W)), so that an even spread gives 1."),
             (right * area / (corner / w), "the corner's share of the area is corner² / (H·W), "
              "not corner / W.")]
    for name, rows, cols in [("top-right", near, far_cols), ("bottom-left", far_rows, near),
                             ("bottom-right", far_rows, far_cols)]:
        found.append((_share(pooled, rows, cols, area), f"that is the {name} corner; the tag "
                      "sits in the top-left one: rows [:corner], columns [:corner]."))
    not_centred = "subtract each image's own mean colour first (x.mean((-2, -1), keepdim=True)"
    found += [(_share(x.pow(2).sum((0, 1)), near, near, area), not_centred + "); otherwise a "
               "bright or dark image counts as energy everywhere."),
              (_share((x - x.mean()).pow(2).sum((0, 1)), near, near, area), not_centred +
               ": one mean per image and colour channel, not one for the whole batch).")]
    squares = "the energy is the square (x - mean) ** 2, so that changes of both signs count"
    found += [(_share(centred.abs().sum((0, 1)), near, near, area),
               f"you added absolute values; {squares}, strong ones most."),
              (_share(x.sum((0, 1)), near, near, area), f"you added the signed values; "
               f"{squares} and cannot cancel out.")]
    per_image = [_share(e, near, near, area) for e in energy]
    found.append((sum(per_image) / len(per_image), "that is the mean of one number per image; "
                  "add the energy maps of all the images first, then take the corner's share "
                  "(strong images count more)."))
    return found


def _number(value, what: str) -> float:
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    shape = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
    raise ExerciseMistake(f"{what}: return one number for the whole batch (a float), got "
                          f"{shape} — add the energy of all the images before you compare.")


def _diagnose(fn, x: torch.Tensor, corner: int, what: str) -> None:
    got = _number(fn(x.clone(), corner), what)
    right = tag_concentration(x, corner)
    close = lambda a, b: abs(a - b) <= 1e-4 * max(1.0, abs(b))  # noqa: E731
    if close(got, right):
        return
    most = x.shape[-2] * x.shape[-1] / corner ** 2
    if not 0 <= got <= most * (1 + 1e-4):  # nan fails this test too
        raise ExerciseMistake(f"{what}: {got:.4g} is impossible — the number lies between 0 "
                              f"and {most:.0f} (all the energy in the corner). Square the "
                              "values, (x - mean) ** 2: signed values cancel out.")
    for value, message in _mistakes(x, corner):
        if close(got, value):
            raise ExerciseMistake(f"{what}: {message}")
    raise ExerciseMistake(f"{what}: {got:.4g}, expected {right:.4g}.")


def check_tag_concentration(tag_concentration_fn: Callable) -> Callable:
    """Batches with their energy in the corner, spread evenly, offset from zero, in
    another corner, and of another size."""
    def tests(fn):
        cases = [
            (_blob(2, 64, 3, 3, 10, seed=0), 16, "a batch with a strong patch in the corner"),
            (_blob(3, 64, 30, 20, 12, seed=1, offset=0.6), 16,
             "a bright batch with its pattern in the middle"),
            (_blob(1, 64, 50, 2, 12, seed=2) - _blob(1, 64, 2, 50, 8, seed=3), 16,
             "a difference of two images, with patterns in two other corners"),
            (_blob(2, 32, 1, 1, 6, seed=4, offset=-0.3), 8, "a 32-px batch, 8-px corner"),
        ]
        for x, corner, what in cases:
            _diagnose(fn, x, corner, what)
        y, x = torch.meshgrid(torch.arange(64), torch.arange(64), indexing="ij")
        board = ((y + x) % 2).float().expand(2, 3, 64, 64)
        got = _number(fn(board, 16), "an even checkerboard")
        if abs(got - 1.0) > 1e-4:
            raise ExerciseMistake(f"an even checkerboard should give 1 (no concentration), "
                                  f"got {got:.4g}.")
        return "patterns in each corner and the middle, offsets, two sizes, a checkerboard"

    return judge("tag_concentration", tag_concentration_fn, tag_concentration, tests)
