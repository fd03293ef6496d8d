"""Regularizers: priors that keep a visualization from turning into static.

Two kinds, matching the two hooks of ``render``:

* **penalties** take the image batch and return one value per image, shape (batch,);
  pass them (weighted) as ``render(..., regularizer=...)``, which subtracts them
  from the score: ``l2``, ``total_variation``, ``weighted``.
* **callbacks** change the parameters in place every few steps, outside the gradient;
  pass them as ``render(..., callback=...)``: ``blur_every``, ``clip_pixels``,
  ``clip_weak_pixels``, ``chain``.
"""
import math
from typing import Callable, Tuple

import torch
import torch.nn.functional as F

from ..errors import CourseError
from .param import PixelImage

Penalty = Callable[[torch.Tensor], torch.Tensor]
Callback = Callable[[int, torch.nn.Module], None]


# --- penalties: image batch (N, 3, H, W) → (N,) ------------------------------------

def l2(images: torch.Tensor, center: float = 0.5) -> torch.Tensor:
    """Mean squared distance of each image's pixels from grey (L2 / weight decay)."""
    return (images - center).pow(2).mean((1, 2, 3))


def total_variation(images: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference between neighbouring pixels (down and right), per image."""
    down = (images[..., 1:, :] - images[..., :-1, :]).abs().mean((1, 2, 3))
    right = (images[..., :, 1:] - images[..., :, :-1]).abs().mean((1, 2, 3))
    return down + right


def weighted(*terms: Tuple[float, Penalty]) -> Penalty:
    """One penalty from ``(weight, penalty)`` pairs: ``weighted((0.5, l2), (2.0, total_variation))``."""
    terms = list(terms)

    def penalty(images: torch.Tensor) -> torch.Tensor:
        return sum(w * fn(images) for w, fn in terms)

    return penalty


# --- image operations -------------------------------------------------------------

def gaussian_kernel(sigma: float, truncate: float = 4.0) -> torch.Tensor:
    """A normalized 1-D Gaussian, ``truncate`` standard deviations to each side."""
    radius = max(1, int(truncate * sigma + 0.5))
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-0.5 * (x / sigma) ** 2)
    return kernel / kernel.sum()


def gaussian_blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Blur each channel of (N, C, H, W) images with a Gaussian (mirrored edges)."""
    if sigma <= 0:
        return images
    kernel = gaussian_kernel(sigma).to(images)
    r, c = kernel.numel() // 2, images.shape[1]
    if r >= min(images.shape[-2:]):
        raise CourseError(f"sigma={sigma} is too large for a {images.shape[-1]}-pixel image.")
    x = F.pad(images, (r, r, r, r), mode="reflect")
    x = F.conv2d(x, kernel.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(x, kernel.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


# --- callbacks: change the parameters every few steps ------------------------------

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


def blur_every(k: int, sigma: float = 0.5) -> Callback:
    """Callback: blur the image's parameters with a Gaussian every ``k`` steps."""
    if k < 1:
        raise CourseError(f"k must be at least 1, got {k}.")

    def callback(step: int, param: torch.nn.Module) -> None:
        if (step + 1) % k == 0:
            _blur_parameters(param, sigma)

    return callback


def clip_pixels(low: float = 0.0, high: float = 1.0) -> Callback:
    """Callback: clamp raw pixel parameters into [low, high] after every step."""
    def callback(step: int, param: torch.nn.Module) -> None:
        if not isinstance(param, PixelImage):
            raise CourseError(f"clip_pixels works on pixel parameterizations, not on a "
                              f"{type(param).__name__} (its sigmoid already keeps pixels "
                              "in range).")
        param.pixels.clamp_(low, high)

    return callback


def clip_weak_pixels(share: float = 0.1) -> Callback:
    """Callback: reset to grey the ``share`` of pixels whose colour is closest to grey."""
    if not 0 <= share < 1:
        raise CourseError(f"share must be in [0, 1), got {share}.")

    def callback(step: int, param: torch.nn.Module) -> None:
        if not isinstance(param, PixelImage):
            raise CourseError("clip_weak_pixels works on a PixelImage (raw pixels).")
        strength = (param.pixels - 0.5).norm(dim=1, keepdim=True)  # (N, 1, H, W)
        limit = strength.flatten(1).quantile(share, dim=1).view(-1, 1, 1, 1)
        param.pixels.copy_(torch.where(strength <= limit, torch.full_like(param.pixels, 0.5),
                                       param.pixels))

    return callback


def chain(*callbacks: Callback) -> Callback:
    """Run several callbacks one after the other."""
    callbacks = [c for c in callbacks if c is not None]

    def callback(step: int, param: torch.nn.Module) -> None:
        for fn in callbacks:
            fn(step, param)

    return callback
