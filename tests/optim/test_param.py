"""Parameterizations give images of the promised shape in [0, 1], from their seed: the
colour decorrelation round trips, a photo start comes back as given, and one helper
gives the Fourier frequencies."""
import torch
from hypothesis import given
from hypothesis import strategies as st

from course_utils.optim import param
from random_images import batches, in_unit_range, quick, random_images, seeds, sides


@quick
@given(seed=seeds, n=batches, h=sides, w=sides, scale=st.floats(1e-3, 1e3))
def test_colour_decorrelation_round_trips(seed, n, h, w, scale):
    x = torch.randn(n, 3, h, w, generator=torch.Generator().manual_seed(seed),
                    dtype=torch.float64) * scale
    there = param.decorrelated_to_rgb(x)
    assert torch.allclose(param.rgb_to_decorrelated(there), x, rtol=1e-5, atol=1e-6 * scale)
    assert torch.allclose(param.decorrelated_to_rgb(param.rgb_to_decorrelated(x)), x,
                          rtol=1e-5, atol=1e-6 * scale)
    assert not torch.allclose(there, x)  # it is a real change of basis, not the identity


@quick
@given(size=sides, n=batches, decorrelate=st.booleans(), seed=seeds,
       push=st.floats(0, 100))
def test_fourier_image_has_the_right_shape_and_stays_in_range(size, n, decorrelate, seed, push):
    image = param.FourierImage(size, n, decorrelate=decorrelate, seed=seed)
    with torch.no_grad():  # large coefficients, as after many big steps
        image.spectrum.add_(push * torch.randn_like(image.spectrum))
        out = image()
    assert out.shape == (n, 3, size, size)
    assert in_unit_range(out)


@quick
@given(size=sides, n=batches, seed=seeds)
def test_fourier_image_is_seeded(size, n, seed):
    a, b = (param.FourierImage(size, n, seed=seed)() for _ in range(2))
    assert torch.equal(a, b)


@quick
@given(seed=seeds, n=batches, side=sides)
def test_pixel_image_from_an_image_returns_it(seed, n, side):
    img = random_images(seed, n, side, side)
    assert torch.equal(param.PixelImage(side, init=img)(), img)


@quick
@given(seed=seeds, n=batches, side=sides, shift=st.floats(-3, 3))
def test_pixel_image_clamps_to_the_unit_range(seed, n, side, shift):
    img = random_images(seed, n, side, side) * 3 + shift
    out = param.PixelImage(side, init=img)()
    assert in_unit_range(out)
    inside = (img >= 0) & (img <= 1)
    assert torch.equal(out[inside], img[inside])


@quick
@given(size=sides, n=batches, fft=st.booleans(), decorrelate=st.booleans(), seed=seeds)
def test_every_parameterization_gives_images(size, n, fft, decorrelate, seed):
    out = param.image(size, n, fft=fft, decorrelate=decorrelate, seed=seed)()
    assert out.shape == (n, 3, size, size) and in_unit_range(out)
