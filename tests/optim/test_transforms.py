"""Transforms keep shape and range as promised (checked on every kind of batch), the
standard ones are a Lucent-style list, and the blur matches SciPy."""
import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy import ndimage

from course_utils.optim import transforms
from course_utils.optim.objectives import total_variation
from course_utils.optim.transforms import gaussian_blur
from random_images import batches, in_unit_range, quick, random_images, seeds, sides, unit_floats


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
    tv = total_variation()
    assert tv({"input": gaussian_blur(noise, 1.0)}) < 0.5 * tv({"input": noise})


def test_a_resize_after_a_warp_is_folded_into_it_and_nothing_else_is():
    x = random_images(0, 2, 32, 32)
    warp = transforms.RandomAffine(generator=torch.Generator().manual_seed(5))
    once = transforms.RandomAffine(out_size=48, generator=torch.Generator().manual_seed(5))
    composed = transforms.compose([warp, transforms.resize(48)])
    assert torch.equal(composed(x), once(x))  # one resampling, the same random draws
    assert warp.out_size is None  # the warp given is left as it was
    shift = transforms.jitter(4, torch.Generator().manual_seed(1))
    by_hand = transforms.resize(48)(transforms.jitter(4, torch.Generator().manual_seed(1))(x))
    assert torch.equal(transforms.compose([shift, transforms.resize(48)])(x), by_hand)
