"""How the image is represented: raw pixels, a Fourier spectrum, decorrelated colour.

Every parameterization is a small ``nn.Module`` whose ``forward()`` returns a batch of
RGB images in [0, 1] with shape (batch, 3, size, size); its parameters are what the
optimizer changes.
"""
from typing import Optional

import torch
from torch import nn

from .. import contract

# Square root of the colour covariance of natural images (ImageNet), from its SVD.
COLOR_SQRT_COV = torch.tensor([[0.26, 0.09, 0.02],
                               [0.27, 0.00, -0.05],
                               [0.27, -0.09, 0.03]])
# The colour mix: scaled so its largest column has length 1, it turns independent
# "decorrelated" channels into realistic RGB (output channel d = sum_c COLOR_MIX[d, c] x_c).
COLOR_MIX = COLOR_SQRT_COV / COLOR_SQRT_COV.norm(dim=0).max()


def _generator(seed: Optional[int]) -> Optional[torch.Generator]:
    if seed is None:
        return None
    return torch.Generator().manual_seed(int(seed))


def _checked(size, batch, seed, minimum: int = 1) -> tuple:
    """``size``, ``batch`` and ``seed`` checked before anything is allocated."""
    size = contract.side(size, "size", minimum=minimum)
    return size, contract.image_count(batch, size), contract.optional_seed(seed)


def _spread(sd) -> float:
    return contract.real_number(sd, "sd", 0.0, 10.0,
                                fix="sd is the spread of the random start; 0.01 is typical.")


class PixelImage(nn.Module):
    """Raw pixels, optimised directly and clamped to [0, 1] (the naive baseline).

    size: side in pixels (1 to 4096). batch: number of images (>= 1). seed: None or a
    whole number >= 0. init: None (grey with a little noise) or a finite float tensor
    (N, 3, size, size) to start from (it sets the batch).
    """

    def __init__(self, size: int, batch: int = 1, seed: Optional[int] = None,
                 init: Optional[torch.Tensor] = None):
        super().__init__()
        size, batch, seed = _checked(size, batch if init is None else 1, seed)
        if init is not None:
            init = contract.image_batch(init, "init", unit_range=False, finite=True, side=size)
        if init is None:
            init = torch.rand(batch, 3, size, size, generator=_generator(seed)) * 0.2 + 0.4
        self.pixels = nn.Parameter(init.clone().float())

    def forward(self) -> torch.Tensor:
        return self.pixels.clamp(0, 1)


def radial_frequencies(h: int, w: int, rfft: bool = False) -> torch.Tensor:
    """Radial frequency (cycles per pixel, 0 to about 0.71) of each Fourier coefficient of
    an h × w image: of ``fft2`` (h, w), or of ``rfft2`` (h, w // 2 + 1) with ``rfft``."""
    fy = torch.fft.fftfreq(h)[:, None]
    fx = (torch.fft.rfftfreq if rfft else torch.fft.fftfreq)(w)[None, :]
    return torch.sqrt(fx * fx + fy * fy)


def frequency_scale(size: int, decay_power: float = 1.0) -> torch.Tensor:
    """1 / frequency for each ``rfft2`` coefficient of a size × size image (the constant
    term, frequency 0, is scaled like the lowest frequency, 1 / size)."""
    freqs = radial_frequencies(size, size, rfft=True)
    return 1.0 / torch.maximum(freqs, torch.tensor(1.0 / size)) ** decay_power


def spectrum_to_image(coefficients: torch.Tensor, size: int,
                      scale: Optional[torch.Tensor] = None) -> torch.Tensor:
    """The (N, 3, size, size) image whose Fourier coefficients are ``coefficients``
    (complex, (N, 3, size, size // 2 + 1)) multiplied by 1 / frequency."""
    scale = frequency_scale(size) if scale is None else scale
    return torch.fft.irfft2(coefficients * scale, s=(size, size), norm="ortho")


class FourierImage(nn.Module):
    """An image whose parameters are its Fourier coefficients, scaled by 1/frequency.

    Why: the gradient of an activation with respect to pixels carries most of its power
    at high frequencies, so pixel steps pile up fine static while large, low-frequency
    structure grows slowly. Multiplying coefficient f by 1/f before the inverse FFT
    rescales each frequency's step, which preconditions (whitens) the optimization
    towards the 1/f spectrum of natural images (Olah et al. 2017; Mordvintsev et al.
    2018, "Differentiable Image Parameterizations"). With ``decorrelate`` the three
    channels are decorrelated colour rather than RGB. A sigmoid keeps the output in [0, 1].

    size, batch, seed: as for ``PixelImage``. decorrelate: True or False. sd: spread of
    the random start, 0 to 10. decay_power: 0 (no 1/f scaling) to 4; 1 is 1/f.
    """

    def __init__(self, size: int, batch: int = 1, decorrelate: bool = True,
                 sd: float = 0.01, decay_power: float = 1.0, seed: Optional[int] = None):
        super().__init__()
        size, batch, seed = _checked(size, batch, seed)
        decorrelate, sd = contract.boolean(decorrelate, "decorrelate"), _spread(sd)
        decay_power = contract.real_number(decay_power, "decay_power", 0.0, 4.0,
                                           fix="1 scales each frequency f by 1/f.")
        self.size, self.decorrelate = size, decorrelate
        self.register_buffer("scale", frequency_scale(size, decay_power))
        shape = (batch, 3) + tuple(self.scale.shape) + (2,)  # real and imaginary parts
        self.spectrum = nn.Parameter(torch.randn(shape, generator=_generator(seed)) * sd)

    def forward(self) -> torch.Tensor:
        coefficients = torch.view_as_complex(self.spectrum)
        image = spectrum_to_image(coefficients, self.size, self.scale) / 4.0
        if self.decorrelate:
            image = decorrelated_to_rgb(image)
        return torch.sigmoid(image)


class DecorrelatedPixelImage(nn.Module):
    """Pixels in decorrelated colour space, squashed by a sigmoid (no spectrum prior).

    size, batch, seed: as for ``PixelImage``; sd: as for ``FourierImage``.
    """

    def __init__(self, size: int, batch: int = 1, sd: float = 0.01, seed: Optional[int] = None):
        super().__init__()
        size, batch, seed = _checked(size, batch, seed)
        sd = _spread(sd)
        self.pixels = nn.Parameter(torch.randn(batch, 3, size, size,
                                               generator=_generator(seed)) * sd)

    def forward(self) -> torch.Tensor:
        return torch.sigmoid(decorrelated_to_rgb(self.pixels))


def decorrelated_to_rgb(x: torch.Tensor) -> torch.Tensor:
    """Map (N, 3, H, W) decorrelated colour channels to RGB (before squashing)."""
    matrix = COLOR_MIX.to(x)
    return torch.einsum("nchw,dc->ndhw", x, matrix)


def rgb_to_decorrelated(x: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`decorrelated_to_rgb`."""
    matrix = torch.linalg.inv(COLOR_MIX.double()).to(x)
    return torch.einsum("nchw,dc->ndhw", x, matrix)


def image(size: int, batch: int = 1, fft: bool = True, decorrelate: bool = True,
          seed: Optional[int] = None, sd: float = 0.01) -> nn.Module:
    """Pick a parameterization the way Lucid does: ``fft`` and ``decorrelate`` switches.

    size: side in pixels, 8 to 4096. batch: number of images (>= 1). fft, decorrelate:
    True or False. seed: None or a whole number >= 0. sd: spread of the start, 0 to 10.
    A batch whose optimization would not fit in memory is refused before allocating.
    """
    size, batch, seed = _checked(size, batch, seed, minimum=8)
    fft, decorrelate = contract.boolean(fft, "fft"), contract.boolean(decorrelate, "decorrelate")
    sd = _spread(sd)
    if fft:
        return FourierImage(size, batch, decorrelate=decorrelate, sd=sd, seed=seed)
    if decorrelate:
        return DecorrelatedPixelImage(size, batch, sd=sd, seed=seed)
    return PixelImage(size, batch, seed=seed)
