"""Properties that hold for every input: parameterization round trips, transforms that
keep shape and range, objective arithmetic that is linear."""
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.errors import CourseError
from course_utils.engine import resampling as warp
from course_utils.optim import channel, direction, layer_energy, neuron, param, transforms

quick = settings(max_examples=25, deadline=None)  # modest counts keep the suite fast

seeds = st.integers(0, 2 ** 31 - 1)
sides = st.integers(8, 40)
batches = st.integers(1, 3)
unit_floats = st.floats(0, 1)


def random_images(seed: int, n: int, h: int, w: int) -> torch.Tensor:
    """Images in [0, 1] with exact 0s and 1s included (the edges of the range)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 3, h, w, generator=g)
    x[..., 0, 0], x[..., -1, -1] = 0.0, 1.0
    return x


def in_unit_range(x: torch.Tensor) -> bool:
    return bool(torch.isfinite(x).all()) and -1e-6 <= float(x.min()) and float(x.max()) <= 1 + 1e-6


# --- parameterizations ---------------------------------------------------------------------

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


# --- transforms ----------------------------------------------------------------------------

@quick
@given(seed=seeds, n=batches, side=sides, out=st.one_of(st.none(), st.integers(8, 64)),
       fill=unit_floats, degrees=st.floats(0, 45), scale=st.floats(0, 0.5))
def test_random_affine_keeps_range_and_gives_the_asked_size(seed, n, side, out, fill,
                                                           degrees, scale):
    x = random_images(seed, n, side, side)
    t = transforms.RandomAffine(out_size=out, fill=fill, degrees=degrees, scale=scale,
                                generator=torch.Generator().manual_seed(seed))
    y = t(x)
    side_out = out or side
    assert y.shape == (n, 3, side_out, side_out)
    assert in_unit_range(y)


@quick
@given(seed=seeds, n=batches, side=sides, out=st.integers(1, 64))
def test_affine_grid_matches_torch(seed, n, side, out):
    t = transforms.RandomAffine(degrees=45, scale=0.5, generator=torch.Generator().manual_seed(seed))
    theta = t.matrices(n, side)
    expected = torch.nn.functional.affine_grid(theta, [n, 3, out, out], align_corners=False)
    assert torch.allclose(warp.affine_grid(theta, out), expected, atol=1e-6)


@quick
@given(seed=seeds, n=batches, side=sides, out=st.integers(1, 48), threads=st.integers(1, 4))
def test_banded_grid_sample_matches_torch(seed, n, side, out, threads):
    x = random_images(seed, n, side, side).requires_grad_(True)
    t = transforms.RandomAffine(degrees=45, scale=0.5, generator=torch.Generator().manual_seed(seed))
    grid = warp.affine_grid(t.matrices(n, side), out)
    g = torch.randn(n, 3, out, out, generator=torch.Generator().manual_seed(seed))
    expected = torch.nn.functional.grid_sample(x, grid, align_corners=False)
    ref_grad, = torch.autograd.grad(expected, x, g)
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        ours = warp.grid_sample(x, grid)
        grad, = torch.autograd.grad(ours, x, g)
    finally:
        torch.set_num_threads(previous)
    assert torch.equal(ours, expected)
    assert torch.allclose(grad, ref_grad, atol=1e-5)


@quick
@given(seed=seeds, n=batches, side=sides, angle=st.integers(-180, 180), fill=unit_floats)
def test_random_rotate_keeps_shape_and_range(seed, n, side, angle, fill):
    x = random_images(seed, n, side, side)
    y = transforms.random_rotate([angle], fill=fill)(x)
    assert y.shape == x.shape and in_unit_range(y)


@quick
@given(seed=seeds, side=sides)
def test_rotating_by_zero_degrees_changes_nothing(seed, side):
    x = random_images(seed, 1, side, side)
    assert torch.allclose(transforms.random_rotate([0])(x), x, atol=1e-5)


@quick
@given(seed=seeds, n=batches, side=sides, width=st.integers(0, 16), value=unit_floats)
def test_pad_grows_by_twice_the_width_and_keeps_range(seed, n, side, width, value):
    x = random_images(seed, n, side, side)
    y = transforms.pad(width, value)(x)
    assert y.shape == (n, 3, side + 2 * width, side + 2 * width)
    assert in_unit_range(y)
    assert torch.equal(y[..., width:width + side, width:width + side], x)


@quick
@given(seed=seeds, n=batches, h=sides, w=sides, size=st.integers(4, 64))
def test_resize_gives_the_size_and_keeps_range(seed, n, h, w, size):
    x = random_images(seed, n, h, w)
    y = transforms.resize(size)(x)
    assert y.shape == (n, 3, size, size) and in_unit_range(y)


@quick
@given(seed=seeds, side=st.integers(16, 40), shift=st.integers(0, 8),
       factor=st.floats(0.5, 1.5))
def test_jitter_crops_and_scale_resizes_within_range(seed, side, shift, factor):
    x = random_images(seed, 2, side, side)
    g = torch.Generator().manual_seed(seed)
    cropped = transforms.jitter(shift, g)(x)
    assert cropped.shape == (2, 3, side - shift, side - shift)
    scaled = transforms.random_scale([factor], g)(x)
    assert scaled.shape[-1] == max(1, round(side * factor)) and in_unit_range(scaled)


@quick
@given(seed=seeds, side=st.integers(24, 48))
def test_standard_transforms_keep_range(seed, side):
    x = random_images(seed, 2, side, side)
    torch.manual_seed(seed)
    y = transforms.compose(transforms.standard_transforms)(x)
    assert y.dim() == 4 and y.shape[:2] == (2, 3) and in_unit_range(y)


# --- objective arithmetic ------------------------------------------------------------------

weights = st.floats(-10, 10, allow_nan=False)


def random_acts(seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    return {"a": torch.randn(3, 5, 4, 4, generator=g), "b": torch.randn(3, 7, 2, 2, generator=g)}


def objectives():
    return st.sampled_from([
        channel("a", 1), channel("b", 6, batch=2), neuron("a", 4, x=1, y=3), layer_energy("b"),
        direction("a", [1.0, 0.0, -2.0, 0.5, 3.0]),
    ])


@quick
@given(seed=seeds, x=objectives(), y=objectives(), a=weights, b=weights)
def test_weighted_sum_of_objectives_is_the_weighted_sum_of_scores(seed, x, y, a, b):
    acts = random_acts(seed)
    combined = a * x + b * y
    assert torch.allclose(combined(acts), a * x(acts) + b * y(acts), rtol=1e-5, atol=1e-5)
    assert combined.layers == x.layers | y.layers


@quick
@given(seed=seeds, x=objectives(), y=objectives(), c=weights.filter(lambda v: abs(v) > 1e-3))
def test_subtraction_negation_and_division(seed, x, y, c):
    acts = random_acts(seed)
    assert torch.allclose((x - y)(acts), x(acts) - y(acts), atol=1e-5)
    assert torch.equal((-x)(acts), -x(acts))
    assert torch.allclose((x / c)(acts), x(acts) / c, rtol=1e-5, atol=1e-6)
    assert torch.allclose((c - x)(acts), c - x(acts), atol=1e-5)


@quick
@given(seed=seeds, x=objectives(), y=objectives())
def test_objective_score_is_one_number_per_image(seed, x, y):
    assert (x + 2 * y)(random_acts(seed)).shape == (3,)


def test_combined_objective_keeps_every_channel_to_validate():
    combined = channel("a", 1) + 0.5 * neuron("b", 6) - channel("a", 2)
    assert sorted(combined.channels) == [("a", 1), ("a", 2), ("b", 6)]


@pytest.mark.parametrize("bad", ["x", None, [1.0]])
def test_objectives_only_scale_by_numbers(bad):
    with pytest.raises(CourseError, match="combines with another objective or a number"):
        channel("a", 1) * bad
