"""Parameter edits: changes made to the image's parameters between optimizer steps.

Unlike an objective, an edit is not followed by the gradient: it changes the
parameters directly, outside the optimization, every step or every few steps (classic
tricks of early feature-visualization work). Pass one to ``render(..., param_edit=...)``;
``chain`` runs several.
"""
import math
from typing import Callable

import torch

from ..errors import CourseError
from .param import PixelImage
from .transforms import gaussian_blur

ParamEdit = Callable[[int, torch.nn.Module], None]  # edit(step, param), without gradients


def _blur_parameters(param: torch.nn.Module, sigma: float) -> None:
    if hasattr(param, "pixels"):
        param.pixels.copy_(gaussian_blur(param.pixels, sigma))
    elif hasattr(param, "spectrum"):  # blurring = damping frequency f by exp(-2 (pi sigma f)^2)
        h, w = param.spectrum.shape[2:4]
        fy = torch.fft.fftfreq(h)[:, None]
        fx = torch.fft.rfftfreq(param.size)[None, :w]
        damp = torch.exp(-2 * (math.pi * sigma) ** 2 * (fx * fx + fy * fy))
        param.spectrum.mul_(damp.to(param.spectrum)[None, None, :, :, None])
    else:
        raise CourseError(f"blur_every does not know how to blur a {type(param).__name__}: "
                          "it needs a `pixels` or `spectrum` parameter.")


def blur_every(k: int, sigma: float = 0.5) -> ParamEdit:
    """Edit: blur the image's parameters with a Gaussian every ``k`` steps."""
    if k < 1:
        raise CourseError(f"k must be at least 1, got {k}.")

    def edit(step: int, param: torch.nn.Module) -> None:
        if (step + 1) % k == 0:
            _blur_parameters(param, sigma)

    return edit


def clip_pixels(low: float = 0.0, high: float = 1.0) -> ParamEdit:
    """Edit: clamp raw pixel parameters into [low, high] after every step."""
    def edit(step: int, param: torch.nn.Module) -> None:
        if not isinstance(param, PixelImage):
            raise CourseError(f"clip_pixels works on pixel parameterizations, not on a "
                              f"{type(param).__name__} (its sigmoid already keeps pixels "
                              "in range).")
        param.pixels.clamp_(low, high)

    return edit


def clip_weak_pixels(share: float = 0.1) -> ParamEdit:
    """Edit: reset to grey the ``share`` of pixels whose colour is closest to grey."""
    if not 0 <= share < 1:
        raise CourseError(f"share must be in [0, 1), got {share}.")

    def edit(step: int, param: torch.nn.Module) -> None:
        if not isinstance(param, PixelImage):
            raise CourseError("clip_weak_pixels works on a PixelImage (raw pixels).")
        strength = (param.pixels - 0.5).norm(dim=1, keepdim=True)  # (N, 1, H, W)
        limit = strength.flatten(1).quantile(share, dim=1).view(-1, 1, 1, 1)
        param.pixels.copy_(torch.where(strength <= limit, torch.full_like(param.pixels, 0.5),
                                       param.pixels))

    return edit


def chain(*edits: ParamEdit) -> ParamEdit:
    """Run several edits one after the other."""
    edits = [e for e in edits if e is not None]

    def edit(step: int, param: torch.nn.Module) -> None:
        for fn in edits:
            fn(step, param)

    return edit
