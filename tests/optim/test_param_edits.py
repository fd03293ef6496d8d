"""Parameter edits: blurring every k steps (of pixels and of a spectrum), clipping,
resetting weak pixels, chaining; checked against hand-computed values."""
import numpy as np
import pytest
import torch

from course_utils.errors import CourseError
from course_utils.optim import param_edits as E
from course_utils.optim.param import FourierImage, PixelImage
from course_utils.optim.transforms import gaussian_blur


def test_blur_every_k_steps_only():
    p = PixelImage(8, seed=0)
    before = p.pixels.detach().clone()
    edit = E.blur_every(3, sigma=1.0)
    with torch.no_grad():
        edit(0, p)
        edit(1, p)
        torch.testing.assert_close(p.pixels, before)  # steps 1 and 2 of each 3: untouched
        edit(2, p)
    torch.testing.assert_close(p.pixels.detach(), gaussian_blur(before, 1.0))


def test_blur_of_a_spectrum_damps_high_frequencies_only():
    p = FourierImage(16, decorrelate=False, seed=0)
    before = p.spectrum.detach().clone()
    with torch.no_grad():
        E.blur_every(1, sigma=1.0)(0, p)
    ratio = (p.spectrum / before)[0, 0, :, :, 0]
    assert ratio[0, 0].item() == pytest.approx(1.0)  # the mean colour is kept
    # the highest frequency (0.5, 0.5) is damped by exp(-2 π² σ² · 0.5)
    assert ratio[8, 8].item() == pytest.approx(np.exp(-np.pi ** 2), rel=1e-4)


def test_clip_pixels_clamps_the_parameters():
    p = PixelImage(4, init=torch.tensor([-0.5, 0.2, 1.7]).view(1, 3, 1, 1).expand(1, 3, 4, 4))
    with torch.no_grad():
        E.clip_pixels()(0, p)
    assert p.pixels.min().item() == 0.0 and p.pixels.max().item() == 1.0
    assert p.pixels[0, 1, 0, 0].item() == pytest.approx(0.2)


def test_clip_pixels_refuses_a_fourier_image():
    with pytest.raises(CourseError):
        E.clip_pixels()(0, FourierImage(8))


def test_chain_runs_edits_in_order():
    calls = []
    E.chain(lambda s, p: calls.append(("a", s)), None, lambda s, p: calls.append(("b", s)))(5, None)
    assert calls == [("a", 5), ("b", 5)]


def test_clip_weak_pixels_resets_the_pixels_closest_to_grey():
    # four pixels whose colours lie 0.05, 0.4, 0.1 and 0.3 away from grey (in red only)
    red = torch.tensor([[0.55, 0.9], [0.4, 0.2]])
    init = torch.stack([red, torch.full((2, 2), 0.5), torch.full((2, 2), 0.5)])[None]
    p = PixelImage(2, init=init)
    with torch.no_grad():
        E.clip_weak_pixels(0.5)(0, p)
    # the two weakest (0.05 and 0.1) become grey, the others are kept
    assert p.pixels[0, 0].flatten().tolist() == pytest.approx([0.5, 0.9, 0.5, 0.2])
