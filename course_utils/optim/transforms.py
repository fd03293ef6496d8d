"""Random transforms that make a visualization robust, in pure torch.

Small, separate transforms (``pad``, ``jitter``, ``random_scale``, ``random_rotate``)
are easy to read and to ablate one at a time. ``RandomAffine`` does pad + jitter +
scale + rotate as a single warp, several times cheaper; ``standard_transforms``, the
list ``render(transforms="standard")`` uses, is Lucid's recipe made of it.
``gaussian_blur`` is the one deterministic image operation here (blurring penalties
and parameters).
"""
import math
from typing import Callable, List, Optional, Sequence

import torch
import torch.nn.functional as F

from .. import contract, engine

Transform = Callable[[torch.Tensor], torch.Tensor]
MAX_SCALE = 10.0  # a zoom beyond 10x is not a robustness transform


def _images(x, who: str) -> torch.Tensor:
    """What every transform takes: a float tensor (N, C, H, W), none of it empty."""
    return contract.image_batch(x, f"{who}'s input", rgb=False, unit_range=False)


def _generator(generator) -> Optional[torch.Generator]:
    return contract.instance_of(generator, torch.Generator, "generator",
                                "torch.Generator().manual_seed(0)", optional=True)


def _fill(value, name: str = "fill") -> float:
    return contract.real_number(value, name, 0.0, 1.0, fix="0.5 is grey.")


def compose(transforms: Sequence[Transform]) -> Transform:
    """Apply ``transforms`` (a list of callables on image batches) left to right.

    A ``resize`` right after a ``RandomAffine`` becomes the warp's own output size: an
    affine warp followed by a resize is one affine warp, sampled once instead of twice
    (sharper and cheaper).
    """
    empty = isinstance(transforms, (list, tuple)) and not transforms
    transforms = [] if empty else contract.non_empty_list(transforms, "transforms",
                                                          "[pad(4), jitter(4)]")
    steps = []
    for t in transforms:
        contract.callable_value(t, "each of transforms", "jitter(4)")
        warp = steps[-1] if steps else None
        if isinstance(warp, RandomAffine) and warp.out_size is None and hasattr(t, "side"):
            steps[-1] = warp.resized(t.side)
        else:
            steps.append(t)
    transforms = steps

    def apply(x: torch.Tensor) -> torch.Tensor:
        for t in transforms:
            x = t(x)
        return x

    return apply


def pad(width: int, value: float = 0.5) -> Transform:
    """Pad every side by ``width`` pixels (0 to 4096) of a constant ``value`` (0 to 1)."""
    width = contract.whole_number(width, "width", 0, contract.MAX_SIDE)
    value = _fill(value, "value")
    return lambda x: F.pad(_images(x, "pad"), (width,) * 4, mode="constant", value=value)


def jitter(max_shift: int, generator: Optional[torch.Generator] = None) -> Transform:
    """Random crop that shifts the image by up to ``max_shift`` pixels (size shrinks by it).

    max_shift: a whole number >= 0, smaller than the images' sides. generator: None or a
    ``torch.Generator`` (seeded draws).
    """
    max_shift = contract.whole_number(max_shift, "max_shift", 0, contract.MAX_SIDE)
    generator = _generator(generator)

    def apply(x: torch.Tensor) -> torch.Tensor:
        contract.at_least(min(_images(x, "jitter").shape[-2:]), max_shift + 1,
                          f"jitter({max_shift})'s input", "pixels a side",
                          fix="Use a shift smaller than the image, or pad it first.")
        dx, dy = torch.randint(0, max_shift + 1, (2,), generator=generator).tolist()
        h, w = x.shape[-2:]
        return x[..., dy:dy + h - max_shift, dx:dx + w - max_shift]

    return apply


def random_scale(scales: Sequence[float], generator: Optional[torch.Generator] = None
                 ) -> Transform:
    """Resize by a factor drawn from ``scales`` (a non-empty list of numbers > 0, at most
    10). generator: as for ``jitter``."""
    scales = contract.real_list(scales, "scales", "[0.9, 1.0, 1.1]", above=0, maximum=MAX_SCALE)
    generator = _generator(generator)

    def apply(x: torch.Tensor) -> torch.Tensor:
        x = _images(x, "random_scale")
        s = scales[int(torch.randint(len(scales), (1,), generator=generator))]
        h, w = x.shape[-2:]
        size = (max(1, round(h * s)), max(1, round(w * s)))
        return F.interpolate(x, size=size, mode="bilinear", align_corners=False)

    return apply


def rotation_matrix(angles_deg: torch.Tensor, scales: torch.Tensor) -> torch.Tensor:
    """(N, 2, 2) matrices that rotate by ``angles_deg`` and zoom *out* by ``scales``."""
    theta = angles_deg * math.pi / 180
    cos, sin = torch.cos(theta) / scales, torch.sin(theta) / scales
    return torch.stack([torch.stack([cos, -sin], -1), torch.stack([sin, cos], -1)], -2)


def random_rotate(angles: Sequence[float], generator: Optional[torch.Generator] = None,
                  fill: float = 0.5) -> Transform:
    """Rotate about the centre by an angle (degrees) drawn from ``angles`` (a non-empty
    list of finite numbers); the corners are filled with ``fill`` (0 to 1)."""
    angles = contract.real_list(angles, "angles", "[-10, 0, 10]")
    generator, fill = _generator(generator), _fill(fill)

    def apply(x: torch.Tensor) -> torch.Tensor:
        x = _images(x, "random_rotate")
        a = angles[int(torch.randint(len(angles), (1,), generator=generator))]
        n = x.shape[0]
        m = rotation_matrix(torch.full((n,), float(a)), torch.ones(n))
        theta = torch.cat([m, torch.zeros(n, 2, 1)], -1)
        return engine.warp(x - fill, theta, *x.shape[-2:]) + fill

    return apply


class RandomAffine:
    """Pad, jitter, scale and rotate in one warp (one resampling), optionally resizing.

    The output is ``out_size`` pixels square (the input size when ``None``). The
    sampled window covers the image plus ``pad`` pixels of grey on each side, shrunk
    by the total ``jitter``, then randomly shifted, scaled and rotated; every image in
    a batch gets its own random draw.

    pad, jitter: whole numbers of pixels >= 0 (jitter smaller than the image + 2 pad).
    scale: 0 to 0.9 (a zoom of 1 ± scale). degrees: 0 to 180 (a rotation of ± degrees).
    out_size: None or a side of 1 to 4096. fill: 0 to 1. generator: as for ``jitter``.
    """

    def __init__(self, pad: int = 12, jitter: int = 12, scale: float = 0.1,
                 degrees: float = 10.0, out_size: Optional[int] = None, fill: float = 0.5,
                 generator: Optional[torch.Generator] = None):
        pad = contract.whole_number(pad, "pad", 0, contract.MAX_SIDE)
        jitter = contract.whole_number(jitter, "jitter", 0, contract.MAX_SIDE)
        scale = contract.real_number(scale, "scale", 0.0, 0.9, fix="0.1 is a zoom of ±10 %.")
        degrees = contract.real_number(degrees, "degrees", 0.0, 180.0,
                                       fix="10 rotates by up to ±10 degrees.")
        out_size = contract.optional_whole(out_size, "out_size", 1, contract.MAX_SIDE)
        fill, generator = _fill(fill), _generator(generator)
        self.pad, self.jitter, self.scale, self.degrees = pad, jitter, scale, degrees
        self.out_size, self.fill, self.generator = out_size, fill, generator

    def resized(self, out_size: int) -> "RandomAffine":
        """The same warp (same random draws), its output ``out_size`` pixels square."""
        return RandomAffine(self.pad, self.jitter, self.scale, self.degrees, out_size,
                            self.fill, self.generator)

    def seeded(self, seed: int) -> "RandomAffine":
        """The same warp, drawing from a generator of its own seeded with ``seed``."""
        return RandomAffine(self.pad, self.jitter, self.scale, self.degrees, self.out_size,
                            self.fill, torch.Generator().manual_seed(seed))

    def _uniform(self, n: int, bound: float) -> torch.Tensor:
        return (torch.rand(n, generator=self.generator) * 2 - 1) * bound

    def matrices(self, n: int, size: int) -> torch.Tensor:
        """(n, 2, 3) affine matrices in normalized coordinates, as ``F.affine_grid`` wants."""
        window = (size + 2 * self.pad - self.jitter) / size  # seen extent / image extent
        scales = 1 + self._uniform(n, self.scale)
        angles = self._uniform(n, self.degrees)
        linear = rotation_matrix(angles, scales) * window
        shift = torch.stack([self._uniform(n, self.jitter / 2), self._uniform(n, self.jitter / 2)],
                            -1) * (2.0 / size)
        return torch.cat([linear, shift[..., None]], -1)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, _ = _images(x, "RandomAffine").shape
        contract.at_least(h + 2 * self.pad, self.jitter + 1,
                          f"RandomAffine's jitter={self.jitter}", "pixels of image and padding",
                          fix="Use a smaller jitter or more pad.")
        out = self.out_size or h
        return engine.warp(x - self.fill, self.matrices(n, h), out) + self.fill


# Lucid's standard recipe: pad 12 px of grey, jitter 8 then 4 px, scale by ±10 %, rotate by
# ±10° — here as one warp of the same ranges. A list, as in Lucent, so that
# standard_transforms + [your_transform] works; render(transforms="standard") uses it.
standard_transforms: List[Transform] = [RandomAffine(pad=12, jitter=12, scale=0.1, degrees=10.0)]


def resize(size: int) -> Transform:
    """Bilinear resize to ``size`` pixels square, 1 to 4096 (a no-op when already that
    size)."""
    size = contract.whole_number(size, "size", 1, contract.MAX_SIDE)

    def apply(x: torch.Tensor) -> torch.Tensor:
        if _images(x, "resize").shape[-1] == size and x.shape[-2] == size:
            return x
        return F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)

    apply.side = size  # compose folds it into a RandomAffine before it
    return apply


def gaussian_kernel(sigma: float, truncate: float = 4.0) -> torch.Tensor:
    """A normalized 1-D Gaussian, ``truncate`` standard deviations to each side."""
    sigma = contract.real_number(sigma, "sigma", above=0)
    radius = max(1, int(truncate * sigma + 0.5))
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-0.5 * (x / sigma) ** 2)
    return kernel / kernel.sum()


def gaussian_blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Blur each channel of (N, C, H, W) images with a Gaussian (mirrored edges).

    images: a float32/float64 tensor (N, C, H, W). sigma: 0 (no blur) or more, in pixels;
    four sigmas must fit inside the image.
    """
    images = _images(images, "gaussian_blur")
    sigma = contract.real_number(sigma, "sigma", minimum=0, fix="0.5 to 2 pixels is typical.")
    if sigma == 0:
        return images
    r, c = max(1, int(4.0 * sigma + 0.5)), images.shape[1]  # gaussian_kernel's radius
    contract.at_least(min(images.shape[-2:]), r + 1, f"A blur with sigma={sigma:g}",
                      "pixels a side", fix=f"Use sigma below {min(images.shape[-2:]) / 4:g}.")
    kernel = gaussian_kernel(sigma).to(images)
    x = F.pad(images, (r, r, r, r), mode="reflect")
    x = F.conv2d(x, kernel.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(x, kernel.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)
