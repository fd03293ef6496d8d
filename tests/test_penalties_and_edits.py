"""Penalties (objectives on the image) and parameter edits, checked against
hand-computed values and SciPy."""
import numpy as np
import pytest
import torch
from scipy import ndimage

from course_utils.errors import CourseError
from course_utils.optim import objectives as O
from course_utils.optim import param_edits as E
from course_utils.optim.param import FourierImage, PixelImage
from course_utils.optim.transforms import gaussian_blur


def on_images(objective, images):
    """An objective that reads only the image, evaluated on ``images``."""
    assert objective.layers == {"input"}
    return objective({"input": images})


def test_l2_is_the_mean_squared_distance_from_grey():
    images = torch.stack([torch.full((3, 2, 2), 0.5), torch.full((3, 2, 2), 1.0)])
    images[0, 0, 0, 0] = 0.9  # one pixel of 12 is 0.4 away from grey
    np.testing.assert_allclose(on_images(O.l2(), images).numpy(), [0.16 / 12, 0.25], rtol=1e-5)


def test_total_variation_by_hand():
    # one channel row [0, 1, 1] / [0, 0, 1]: vertical diffs |0-0|,|1-0|,|1-1| → 1/3,
    # horizontal diffs 1, 0, 0, 1 → 2/4
    img = torch.tensor([[0.0, 1.0, 1.0], [0.0, 0.0, 1.0]]).expand(1, 3, 2, 3)
    assert on_images(O.total_variation(), img).item() == pytest.approx(1 / 3 + 1 / 2, abs=1e-6)


def test_total_variation_matches_numpy_per_image():
    x = torch.rand(3, 3, 8, 9, generator=torch.Generator().manual_seed(0))
    a = x.numpy()
    expected = (np.abs(np.diff(a, axis=2)).mean((1, 2, 3))
                + np.abs(np.diff(a, axis=3)).mean((1, 2, 3)))
    np.testing.assert_allclose(on_images(O.total_variation(), x).numpy(), expected, rtol=1e-5)


def test_flat_images_have_no_variation_and_grey_has_no_l2():
    grey = torch.full((2, 3, 5, 5), 0.5)
    assert on_images(O.total_variation(), grey).tolist() == [0.0, 0.0]
    assert on_images(O.l2(), grey).tolist() == [0.0, 0.0]


def test_penalties_combine_like_any_objective():
    x = torch.rand(2, 3, 6, 6, generator=torch.Generator().manual_seed(1))
    penalty = 2.0 * O.l2() + 3.0 * O.total_variation()
    torch.testing.assert_close(on_images(penalty, x),
                               2 * on_images(O.l2(), x) + 3 * on_images(O.total_variation(), x))


def test_per_image_weights_scale_each_image():
    x = torch.rand(3, 3, 6, 6, generator=torch.Generator().manual_seed(4))
    weights = torch.tensor([0.0, 1.0, 10.0])
    torch.testing.assert_close(on_images(weights * O.total_variation(), x),
                               weights * on_images(O.total_variation(), x))


def test_gaussian_blur_matches_scipy():
    x = torch.rand(1, 3, 20, 20, generator=torch.Generator().manual_seed(2))
    ours = gaussian_blur(x, 1.0)[0].numpy()
    # torch's "reflect" padding is SciPy's "mirror" mode
    theirs = np.stack([ndimage.gaussian_filter(c, 1.0, mode="mirror") for c in x[0].numpy()])
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_blur_keeps_flat_images_and_smooths_noise():
    flat = torch.full((1, 3, 12, 12), 0.3)
    torch.testing.assert_close(gaussian_blur(flat, 1.5), flat)
    noise = torch.rand(1, 3, 12, 12, generator=torch.Generator().manual_seed(3))
    assert on_images(O.total_variation(), gaussian_blur(noise, 1.0)) < 0.5 * on_images(O.total_variation(), noise)


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


def test_penalty_lowers_the_renderers_score(tiny):
    from course_utils.optim import channel, render
    from course_utils.optim.param import image

    kwargs = dict(size=16, steps=3, transforms=None, progress=False, seed=0)
    plain = render(tiny, channel("mid", 0), **kwargs)
    penalised = render(tiny, channel("mid", 0) - 100 * O.l2(), **kwargs)
    # step 0 sees the same image: the history differs by exactly the penalty
    first = image(16, seed=0)()
    expected = plain.history[0, 0] - 100 * on_images(O.l2(), first).item()
    assert penalised.history[0, 0] == pytest.approx(expected, rel=1e-4, abs=1e-5)


def test_clip_weak_pixels_resets_the_pixels_closest_to_grey():
    # four pixels whose colours lie 0.05, 0.4, 0.1 and 0.3 away from grey (in red only)
    red = torch.tensor([[0.55, 0.9], [0.4, 0.2]])
    init = torch.stack([red, torch.full((2, 2), 0.5), torch.full((2, 2), 0.5)])[None]
    p = PixelImage(2, init=init)
    with torch.no_grad():
        E.clip_weak_pixels(0.5)(0, p)
    # the two weakest (0.05 and 0.1) become grey, the others are kept
    assert p.pixels[0, 0].flatten().tolist() == pytest.approx([0.5, 0.9, 0.5, 0.2])
