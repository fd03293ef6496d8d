"""Parameter edits: changes made to the image's parameters between optimizer steps.

Unlike an objective, an edit is not followed by the gradient: it changes the
parameters directly, outside the optimization, every step or every few steps (classic
tricks of early feature-visualization work). Pass one to ``render(..., param_edit=...)``;
``chain`` runs several.
"""
import math
from typing import Callable

import torch

from .. import contract
from .param import PixelImage, radial_frequencies
from .transforms import gaussian_blur

ParamEdit = Callable[[int, torch.nn.Module], None]  # edit(step, param), without gradients


def _blur_parameters(param: torch.nn.Module, sigma: float) -> None:
    if contract.parameter_named(param, ("pixels", "spectrum"), "blur_every") == "pixels":
        param.pixels.copy_(gaussian_blur(param.pixels, sigma))
    else:  # blurring = damping frequency f by exp(-2 (pi sigma f)^2)
        f = radial_frequencies(param.spectrum.shape[2], param.size, rfft=True)
        damp = torch.exp(-2 * (math.pi * sigma * f) ** 2)
        param.spectrum.mul_(damp.to(param.spectrum)[None, None, :, :, None])


def blur_every(k: int, sigma: float = 0.5) -> ParamEdit:
    """Edit: blur the image's parameters with a Gaussian every ``k`` steps.

    k: a whole number >= 1. sigma: the blur in pixels, >= 0 (0 = no blur); on raw pixels
    four sigmas must fit inside the image.
    """
    k = contract.whole_number(k, "k", minimum=1, fix="k=4 blurs after every 4th step.")
    sigma = contract.real_number(sigma, "sigma", minimum=0, fix="0.5 pixels is typical.")

    def edit(step: int, param: torch.nn.Module) -> None:
        if (step + 1) % k == 0:
            _blur_parameters(param, sigma)

    return edit


def clip_pixels(low: float = 0.0, high: float = 1.0) -> ParamEdit:
    """Edit: clamp raw pixel parameters into [low, high] after every step.

    low, high: numbers from 0 to 1 with low < high. Works on a ``PixelImage`` only.
    """
    low = contract.real_number(low, "low", 0.0, 1.0)
    high = contract.real_number(high, "high", 0.0, 1.0, above=low, fix="E.g. clip_pixels(0, 1).")

    def edit(step: int, param: torch.nn.Module) -> None:
        contract.instance_of(param, PixelImage, "clip_pixels' image",
                             "PixelImage(size) (a sigmoid already keeps other images in range)")
        param.pixels.clamp_(low, high)

    edit.works_on = PixelImage  # render checks this before the first step
    return edit


def clip_weak_pixels(share: float = 0.1) -> ParamEdit:
    """Edit: reset to grey the ``share`` of pixels whose colour is closest to grey.

    share: a number from 0 to just below 1 (0.1 = the weakest 10 %). Works on a
    ``PixelImage`` only.
    """
    share = contract.real_number(share, "share", 0.0, below=1,
                                 fix="It is the fraction of pixels reset: 0.1 resets the "
                                     "weakest 10 %.")

    def edit(step: int, param: torch.nn.Module) -> None:
        contract.instance_of(param, PixelImage, "clip_weak_pixels' image", "PixelImage(size)")
        strength = (param.pixels - 0.5).norm(dim=1, keepdim=True)  # (N, 1, H, W)
        limit = strength.flatten(1).quantile(share, dim=1).view(-1, 1, 1, 1)
        param.pixels.copy_(torch.where(strength <= limit, torch.full_like(param.pixels, 0.5),
                                       param.pixels))

    edit.works_on = PixelImage  # render checks this before the first step
    return edit


def chain(*edits: ParamEdit) -> ParamEdit:
    """Run several edits one after the other (None entries are skipped)."""
    edits = [contract.callable_value(e, "each edit", "blur_every(4)") for e in edits
             if e is not None]

    def edit(step: int, param: torch.nn.Module) -> None:
        for fn in edits:
            fn(step, param)

    needs = [e.works_on for e in edits if getattr(e, "works_on", None) is not None]
    if needs:
        edit.works_on = needs[0]
    return edit
